using Lakebase.TestUtilities;
using Microsoft.Extensions.Logging;

namespace Lakebase.Emulator.Tests;

/// <summary>One emulator shared by the tests of the <see cref="SharedEmulatorCollection"/> (which run one at a time).</summary>
public sealed class EmulatorFixture : IAsyncLifetime
{
    public CapturingLoggerProvider Logs { get; } = new();

    public LakebaseEmulator Emulator { get; private set; } = null!;

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    public async ValueTask InitializeAsync()
    {
        var loggerFactory = LoggerFactory.Create(b => b.AddProvider(Logs).SetMinimumLevel(LogLevel.Debug));
        Emulator = await LakebaseEmulator.StartAsync(new LakebaseEmulatorOptions { LoggerFactory = loggerFactory });
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Emulator.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class SharedEmulatorCollection : ICollectionFixture<EmulatorFixture>
{
    public const string Name = "shared emulator";
}
