using System.Data.Common;
using Npgsql;

namespace Lakebase.Benchmarks.Data;

/// <summary>
/// The reads of the CRUD workload, through ADO.NET (the Dapper path): a point SELECT and a 20-row range scan on the
/// seeded table, alternating. Each operation takes a connection from the data source and returns it, as a request does.
/// </summary>
internal static class ReadWorkload
{
    private const int PageSize = 20;

    public static async Task RunAsync(DbDataSource dataSource, long sequence, Random random, CancellationToken ct)
    {
        var id = random.NextInt64(1, CrudWorkload.SeededRows + 1);
        await using var connection = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        var parameter = command.CreateParameter();
        parameter.ParameterName = "id";
        parameter.Value = id;
        command.Parameters.Add(parameter);
        if (sequence % 2 == 0)
        {
            command.CommandText = "SELECT id, name, quantity, updated_at FROM items WHERE id = @id";
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            if (!await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                throw new InvalidOperationException($"Seeded item {id} is missing.");
            }
        }
        else
        {
            command.CommandText = $"SELECT id, name, quantity, updated_at FROM items WHERE id > @id ORDER BY id LIMIT {PageSize}";
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                _ = reader.GetInt64(0);
            }
        }
    }

    /// <summary>Which server a connection from <paramref name="dataSource"/> reaches: the host Npgsql connected to, and whether it is a standby.</summary>
    public static async Task<(string Host, bool InRecovery)> ServedByAsync(DbDataSource dataSource, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT pg_is_in_recovery()";
        var inRecovery = (bool)(await command.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
        return (((NpgsqlConnection)connection).Host ?? "?", inRecovery);
    }
}
