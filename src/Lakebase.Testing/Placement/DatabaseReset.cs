using Lakebase.Npgsql;
using Npgsql;
using Respawn;
using Respawn.Graph;

namespace Lakebase.Testing.Placement;

/// <summary>
/// Respawn over the test database: the tables are read once (after the migrations), then each reset deletes their rows
/// in foreign-key order and restarts identities, keeping the migrations history.
/// </summary>
internal sealed class DatabaseReset(LakebaseDataSource dataSource, LakebaseTestDatabaseOptions options) : IDisposable
{
    private const string MigrationsHistoryTable = "__EFMigrationsHistory";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly string[] _schemas = [.. options.SchemasToReset];
    private readonly string[] _kept = [MigrationsHistoryTable, .. options.TablesToKeep];
    private Respawner? _respawner;

    public async Task ResetAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            _respawner ??= await CreateRespawnerAsync(connection, cancellationToken).ConfigureAwait(false);
            if (_respawner is { } respawner)
            {
                await respawner.ResetAsync(connection).ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    // Respawn refuses a database with nothing to reset, telling the user to run migrations; that misleads when they
    // ran into a schema not reset (a model's HasDefaultSchema), and leaves that schema's rows to leak between tests.
    private async Task<Respawner?> CreateRespawnerAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var withTables = await SchemasWithTablesAsync(connection, cancellationToken).ConfigureAwait(false);
        if (!withTables.Intersect(_schemas, StringComparer.Ordinal).Any())
        {
            // No table anywhere yet (a suite that creates its tables in its tests): nothing to reset, look again next time.
            return withTables.Count == 0
                ? null
                : throw new InvalidOperationException(
                    $"ResetAsync found no tables in the schemas it resets ({string.Join(", ", _schemas)}), but there are tables in {string.Join(", ", withTables)}. " +
                    "Add the schemas your model uses to LakebaseTestDatabaseOptions.SchemasToReset (a model with HasDefaultSchema(\"x\") keeps its tables in x).");
        }

        return await Respawner.CreateAsync(connection, new RespawnerOptions
        {
            DbAdapter = DbAdapter.Postgres,
            SchemasToInclude = _schemas,
            TablesToIgnore = [.. _kept.Select(t => new Table(t))],
            WithReseed = true,
        }).ConfigureAwait(false);
    }

    private async Task<List<string>> SchemasWithTablesAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "select distinct table_schema from information_schema.tables " +
            "where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema') and table_name <> all(@kept) order by 1",
            connection);
        command.Parameters.AddWithValue("kept", _kept);
        var schemas = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            schemas.Add(reader.GetString(0));
        }

        return schemas;
    }

    /// <summary>The schema changed (migrations ran): read it again at the next reset.</summary>
    public void Forget() => Volatile.Write(ref _respawner, null);

    public void Dispose() => _gate.Dispose();
}
