using Lakebase.TestUtilities;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Lakebase.Emulator.Tests;

/// <summary>An emulator with a read replica (a real hot standby), shared by the <see cref="ReadReplicaCollection"/>.</summary>
public sealed class ReadReplicaFixture : IAsyncLifetime
{
    public CapturingLoggerProvider Logs { get; } = new();

    public LakebaseEmulator Emulator { get; private set; } = null!;

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    public async ValueTask InitializeAsync()
    {
        var loggerFactory = LoggerFactory.Create(b => b.AddProvider(Logs).SetMinimumLevel(LogLevel.Debug));
        Emulator = await LakebaseEmulator.StartAsync(new LakebaseEmulatorOptions { ReadReplica = true, LoggerFactory = loggerFactory });
    }

    /// <summary>A connection to the read-only endpoint (127.0.0.2), verify-full against the emulator's CA.</summary>
    public NpgsqlConnection ReplicaConnection(string password, EmulatedPrincipal? principal = null) =>
        new(new NpgsqlConnectionStringBuilder(Emulator.GetReadOnlyConnectionString(principal))
        {
            Password = password,
            Pooling = false,
            Timeout = 15,
        }.ConnectionString);

    public async Task<NpgsqlConnection> OpenReplicaAsync(string password, EmulatedPrincipal? principal = null)
    {
        var connection = ReplicaConnection(password, principal);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        return connection;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Emulator.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class ReadReplicaCollection : ICollectionFixture<ReadReplicaFixture>
{
    public const string Name = "read replica emulator";
}
