namespace TodoApp.Tests.Infrastructure;

/// <summary>
/// A running TodoApp on its own emulator database, shared by the tests of one class. The app migrates the database
/// at startup; <see cref="ResetAsync"/> empties it between tests (what Respawn would do, for one table).
/// </summary>
public sealed class TodoAppFixture(EmulatorFixture emulator) : IAsyncLifetime
{
    public string Database { get; private set; } = null!;

    public TodoAppFactory Factory { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Database = await emulator.CreateDatabaseAsync("todo_api");
        Factory = new TodoAppFactory(emulator.Emulator, Database);
        Client = Factory.CreateClient();
    }

    public async Task ResetAsync()
    {
        await using var connection = emulator.OpenAdminConnection(Database);
        await using var command = connection.CreateCommand();
        command.CommandText = "TRUNCATE todos RESTART IDENTITY";
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
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
