using Lakebase.Testing;
using Lakebase.TestUtilities;
using TodoApp.Data;

namespace TodoApp.Tests.Infrastructure;

/// <summary>
/// A running TodoApp on a database of its own from the test kit (Lakebase.Testing), shared by the tests of one class:
/// the kit starts the local emulator, applies the app's migrations once, and <see cref="ResetAsync"/> empties the tables
/// between tests with Respawn, keeping the migrations history. The app itself is pointed at that database through its
/// "Lakebase" settings, exactly as a deployment is.
/// </summary>
public sealed class TodoAppFixture : IAsyncLifetime
{
    public LakebaseTestDatabase Database { get; private set; } = null!;

    public TodoAppFactory Factory { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        // Nothing configured, whatever the developer's shell holds: the sample's tests always run on the emulator.
        Database = await LakebaseTestDatabase.StartAsync(
            new LakebaseTestDatabaseOptions { Configuration = VariablesConfiguration.From(new Dictionary<string, string?>()) },
            TestContext.Current.CancellationToken);
        await Database.MigrateAsync<TodoDbContext>(
            lakebase => lakebase.Npgsql(npgsql => npgsql.MigrationsAssembly(TodoDbContext.MigrationsAssembly)),
            TestContext.Current.CancellationToken);
        Factory = new TodoAppFactory(Database);
        Client = Factory.CreateClient();
    }

    /// <summary>Empties every table the migrations created and restarts their identity sequences.</summary>
    public Task ResetAsync() => Database.ResetAsync(TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        Client?.Dispose();
        if (Factory is not null)
        {
            await Factory.DisposeAsync();
        }

        if (Database is not null)
        {
            await Database.DisposeAsync();
        }
    }
}
