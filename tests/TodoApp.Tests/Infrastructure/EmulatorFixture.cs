using Lakebase.Emulator;
using Npgsql;

[assembly: AssemblyFixture(typeof(TodoApp.Tests.Infrastructure.EmulatorFixture))]

namespace TodoApp.Tests.Infrastructure;

/// <summary>
/// One local Lakebase emulator for the whole test assembly. Tests stay independent by each using their own database
/// (<see cref="CreateDatabaseAsync"/>), so they can run in parallel.
/// </summary>
public sealed class EmulatorFixture : IAsyncLifetime
{
    public LakebaseEmulator Emulator { get; private set; } = null!;

    public async ValueTask InitializeAsync() =>
        Emulator = await LakebaseEmulator.StartAsync(new LakebaseEmulatorOptions(), TestContext.Current.CancellationToken);

    /// <summary>A new, empty database that the emulator's principals may use like databricks_postgres.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix)
    {
        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 63)];
        await Emulator.CreateDatabaseAsync(name, TestContext.Current.CancellationToken);
        return name;
    }

    /// <summary>Superuser straight to the private server: for test setup, reset and assertions only.</summary>
    public NpgsqlConnection OpenAdminConnection(string database)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(Emulator.AdminConnectionString) { Database = database }.ConnectionString);
        connection.Open();
        return connection;
    }

    public async ValueTask DisposeAsync()
    {
        if (Emulator is not null)
        {
            await Emulator.DisposeAsync();
        }
    }
}
