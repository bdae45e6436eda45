using Respawn;

namespace TodoApp.Tests.Infrastructure;

/// <summary>
/// A running TodoApp on its own emulator database, shared by the tests of one class. The app migrates the database
/// at startup; <see cref="ResetAsync"/> empties it between tests with Respawn, keeping the migrations history.
/// </summary>
public sealed class TodoAppFixture(EmulatorFixture emulator) : IAsyncLifetime
{
    private Respawner? _respawner;

    public string Database { get; private set; } = null!;

    public TodoAppFactory Factory { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Database = await emulator.CreateDatabaseAsync("todo_api");
        Factory = new TodoAppFactory(emulator.Emulator, Database);
        Client = Factory.CreateClient();
    }

    /// <summary>Empties every table the migrations created and restarts their identity sequences.</summary>
    public async Task ResetAsync()
    {
        await using var connection = emulator.OpenAdminConnection(Database);
        // Created on first use, once the app has migrated: Respawn reads the tables (and their foreign keys) then.
        _respawner ??= await Respawner.CreateAsync(connection, new RespawnerOptions
        {
            DbAdapter = DbAdapter.Postgres,
            SchemasToInclude = ["public"],
            TablesToIgnore = ["__EFMigrationsHistory"],
            WithReseed = true,
        });
        await _respawner.ResetAsync(connection);
    }

    public async ValueTask DisposeAsync()
    {
        Client?.Dispose();
        if (Factory is not null)
        {
            await Factory.DisposeAsync();
        }
    }
}
