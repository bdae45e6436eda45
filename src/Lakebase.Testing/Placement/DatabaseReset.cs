using Lakebase.Npgsql;
using Npgsql;
using Respawn;
using Respawn.Graph;

namespace Lakebase.Testing.Placement;

/// <summary>
/// Respawn over the test database: the tables are read once (after the migrations), then each reset empties them
/// (one TRUNCATE, cascading along foreign keys) and restarts identities, keeping the migrations history.
/// </summary>
internal sealed class DatabaseReset(LakebaseDataSource dataSource, LakebaseTestDatabaseOptions options) : IDisposable
{
    private const string MigrationsHistoryTable = "__EFMigrationsHistory";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly string[] _schemas = [.. options.SchemasToReset];
    private readonly string[] _kept = [MigrationsHistoryTable, .. options.TablesToKeep];
    private Respawner? _respawner;
    private string? _cycleSafeSql;

    public async Task ResetAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            _respawner ??= await CreateRespawnerAsync(connection, cancellationToken).ConfigureAwait(false);
            if (Volatile.Read(ref _cycleSafeSql) is { } sql)
            {
                await using var command = new NpgsqlCommand(sql, connection);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            else if (_respawner is { } respawner)
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
        var tables = await TablesAsync(connection, cancellationToken).ConfigureAwait(false);
        var withTables = tables.Where(t => !t.OfExtension).Select(t => t.Schema).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (!withTables.Intersect(_schemas, StringComparer.Ordinal).Any())
        {
            // No table anywhere yet (a suite that creates its tables in its tests): nothing to reset, look again next time.
            return withTables.Count == 0
                ? null
                : throw new InvalidOperationException(
                    $"ResetAsync found no tables in the schemas it resets ({string.Join(", ", _schemas)}), but there are tables in {string.Join(", ", withTables)}. " +
                    "Add the schemas your model uses to LakebaseTestDatabaseOptions.SchemasToReset (a model with HasDefaultSchema(\"x\") keeps its tables in x).");
        }

        var respawner = await Respawner.CreateAsync(connection, new RespawnerOptions
        {
            DbAdapter = DbAdapter.Postgres,
            SchemasToInclude = _schemas,
            TablesToIgnore = [.. _kept.Select(t => new Table(t)), .. tables.Where(t => t.OfExtension).Select(t => new Table(t.Schema, t.Name))],
            WithReseed = true,
        }).ConfigureAwait(false);

        // Where foreign keys form a cycle, Respawn disables the tables' triggers around its TRUNCATE, and the foreign-key
        // triggers are system triggers only a superuser may disable: no Lakebase role is one. A single TRUNCATE of every
        // table needs no such thing (PostgreSQL checks foreign keys against the set as a whole), so that is run instead.
        Volatile.Write(ref _cycleSafeSql, respawner.DeleteSql?.Contains("DISABLE TRIGGER", StringComparison.OrdinalIgnoreCase) == true
            ? "truncate table " + string.Join(", ", tables.Where(t => !t.OfExtension && _schemas.Contains(t.Schema, StringComparer.Ordinal)).Select(t => Quote(t.Schema) + "." + Quote(t.Name))) + " restart identity cascade"
            : null);
        return respawner;
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    // The tables outside the system schemas, but for the kept ones, that the role can see as information_schema shows
    // them (what Respawn resets): another role's tables it holds no privilege on are not its to empty. An extension's
    // tables (PostGIS's spatial_ref_sys in public, pg_cron's cron.job) belong to the extension: neither emptied nor counted.
    private async Task<List<(string Schema, string Name, bool OfExtension)>> TablesAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            select n.nspname, c.relname,
                   exists (select 1 from pg_depend d where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype = 'e')
            from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where c.relkind in ('r', 'p') and n.nspname <> 'information_schema' and n.nspname not like 'pg\_%'
              and c.relname <> all(@kept)
              and (pg_has_role(c.relowner, 'USAGE') or has_table_privilege(c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER'))
            """,
            connection);
        command.Parameters.AddWithValue("kept", _kept);
        var tables = new List<(string, string, bool)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            tables.Add((reader.GetString(0), reader.GetString(1), reader.GetBoolean(2)));
        }

        return tables;
    }

    /// <summary>The schema changed (migrations ran): read it again at the next reset.</summary>
    public void Forget()
    {
        Volatile.Write(ref _respawner, null);
        Volatile.Write(ref _cycleSafeSql, null);
    }

    public void Dispose() => _gate.Dispose();
}
