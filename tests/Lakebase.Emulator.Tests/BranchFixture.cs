using Lakebase.TestUtilities;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Lakebase.Emulator.Tests;

/// <summary>One emulator on a fake clock for the branch tests (which run one at a time): TTLs expire when a test advances it.</summary>
public sealed class BranchFixture : IAsyncLifetime
{
    public CapturingLoggerProvider Logs { get; } = new();

    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    public LakebaseEmulator Emulator { get; private set; } = null!;

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    public BranchApi Api { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var loggerFactory = LoggerFactory.Create(b => b.AddProvider(Logs).SetMinimumLevel(LogLevel.Debug));
        Emulator = await LakebaseEmulator.StartAsync(new LakebaseEmulatorOptions { LoggerFactory = loggerFactory, TimeProvider = Clock });
        Api = new BranchApi(Http, Emulator, await Client.GetWorkspaceTokenAsync(Http, Emulator));
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Emulator.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class BranchCollection : ICollectionFixture<BranchFixture>
{
    public const string Name = "branches";
}
