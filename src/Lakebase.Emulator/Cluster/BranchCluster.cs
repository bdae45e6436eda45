using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Lakebase.Emulator.Cluster;

/// <summary>
/// The private PostgreSQL server of a branch: a base backup of its parent's private server (<c>pg_basebackup</c> as
/// the superuser over the parent's private socket, WAL streamed alongside), started as a primary of its own, not a
/// standby: no <c>standby.signal</c>, no slot, no replication afterwards, so later writes on either side stay apart.
/// It follows the other clusters' rules: its own private socket directory, trust auth reachable only by the server's
/// user, 0700 directories. Always temporary (in RAM when possible) and deleted with the branch.
/// </summary>
internal sealed class BranchCluster : CopiedCluster
{
    private BranchCluster(PostgresInstallation installation, ILogger logger)
        : base(installation, "lakebase-branch-", logger)
    {
    }

    /// <summary>Lays out the private directories; <see cref="CopyAndStartAsync"/> copies the parent and starts the copy.</summary>
    public static BranchCluster Create(PostgresInstallation installation, ILogger logger) => new(installation, logger);

    /// <summary>Copies the running server whose socket is in <paramref name="parentSocketDirectory"/> and starts the copy as a primary.</summary>
    public async Task CopyAndStartAsync(string parentSocketDirectory, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();

        // Without -R there is no standby.signal: the copy replays the streamed WAL up to the end of the backup, then
        // runs as a primary. -X stream uses a temporary slot on the parent, gone when the backup ends.
        await CopyAndStartAsync(parentSocketDirectory, [], [], cancellationToken).ConfigureAwait(false);
        Log.BranchClusterStarted(Logger, SocketDirectory, stopwatch.ElapsedMilliseconds);
    }
}
