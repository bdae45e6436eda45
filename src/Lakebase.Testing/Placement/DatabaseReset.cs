using Lakebase.Npgsql;
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
    private readonly Table[] _kept = [MigrationsHistoryTable, .. options.TablesToKeep.Select(t => new Table(t))];
    private Respawner? _respawner;

    public async Task ResetAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            _respawner ??= await Respawner.CreateAsync(connection, new RespawnerOptions
            {
                DbAdapter = DbAdapter.Postgres,
                SchemasToInclude = _schemas,
                TablesToIgnore = _kept,
                WithReseed = true,
            }).ConfigureAwait(false);
            await _respawner.ResetAsync(connection).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The schema changed (migrations ran): read it again at the next reset.</summary>
    public void Forget() => Volatile.Write(ref _respawner, null);

    public void Dispose() => _gate.Dispose();
}
