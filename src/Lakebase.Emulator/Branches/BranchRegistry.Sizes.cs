using Lakebase.Emulator.Cluster;

namespace Lakebase.Emulator.Branches;

/// <summary><c>status.logical_size_bytes</c>: what the branch's databases take, read from its server.</summary>
internal sealed partial class BranchRegistry
{
    private static async Task<long> LogicalSizeAsync(string socketPath, CancellationToken cancellationToken)
    {
        await using var client = await SimpleQueryClient.ConnectAsync(socketPath, PrivateCluster.Superuser, "postgres", cancellationToken).ConfigureAwait(false);
        var rows = await client.QueryAsync("SELECT coalesce(sum(pg_catalog.pg_database_size(oid)), 0) FROM pg_catalog.pg_database", cancellationToken).ConfigureAwait(false);
        return long.Parse(rows[0][0]!, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The size of a ready branch's databases (<c>logical_size_bytes</c>); 0 while it is being made.</summary>
    public async Task<long> LogicalSizeAsync(BranchRecord branch, CancellationToken cancellationToken)
    {
        var socketDirectory = branch.IsReady ? branch.SocketDirectory : null;
        if (socketDirectory is null)
        {
            return 0;
        }

        try
        {
            return await LogicalSizeAsync(Path.Combine(socketDirectory, ".s.PGSQL.5432"), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or PostgresServerException)
        {
            return 0; // deleted meanwhile
        }
    }
}
