using Lakebase.Emulator;
using Lakebase.Npgsql;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Lakebase.TestUtilities;

/// <summary>
/// One local Lakebase emulator (real PostgreSQL behind a TLS, token-checking front with its own CA; real workspace API
/// over HTTP on 127.0.0.1) shared by the tests of one collection, which run one at a time because faults such as an API
/// outage or a token revocation are emulator-wide. Every log line the clients write through <see cref="LoggerFactory"/>
/// is captured so that tests can check it for secrets. A test project's fixture derives from this and adds how its
/// clients are built.
/// </summary>
public abstract class EmulatorFixtureBase : IAsyncLifetime
{
    /// <summary>The running emulator; set by <see cref="InitializeAsync"/>.</summary>
    public LakebaseEmulator Emulator { get; private set; } = null!;

    /// <summary>Every line written through <see cref="LoggerFactory"/>.</summary>
    public CapturingLoggerProvider Logs { get; } = new();

    /// <summary>
    /// The logger factory to give the clients under test: at Trace, so that the secret checks see the most verbose
    /// output a user could switch on.
    /// </summary>
    public ILoggerFactory LoggerFactory { get; private set; } = null!;

    /// <summary>Starts the emulator and the capturing logger factory.</summary>
    public async ValueTask InitializeAsync()
    {
        LoggerFactory = Microsoft.Extensions.Logging.LoggerFactory.Create(b => b.AddProvider(Logs).SetMinimumLevel(LogLevel.Trace));
        Emulator = await LakebaseEmulator.StartAsync(CreateOptions(), TestContext.Current.CancellationToken);
    }

    /// <summary>The emulator's options; a fixture that needs more (a read replica, say) asks for it here.</summary>
    /// <returns>Options for <see cref="LakebaseEmulator.StartAsync(LakebaseEmulatorOptions, CancellationToken)"/>.</returns>
    protected virtual LakebaseEmulatorOptions CreateOptions() => new();

    /// <summary>A fresh service principal with its own role: its credential counts are this test's alone.</summary>
    public Task<EmulatedPrincipal> NewPrincipalAsync(bool workspaceAccess = true, bool createRole = true) =>
        Emulator.AddPrincipalAsync(EmulatedPrincipal.CreateServicePrincipal(workspaceAccess, createRole), TestContext.Current.CancellationToken);

    /// <summary>OAuth machine-to-machine options that sign <paramref name="principal"/> in to the emulator's workspace.</summary>
    public LakebaseOAuthOptions OAuthFor(EmulatedPrincipal principal) => new()
    {
        WorkspaceHost = Emulator.WorkspaceUrl.ToString(),
        ClientId = principal.ClientId,
        ClientSecret = principal.ClientSecret,
    };

    /// <summary>
    /// Fails if any log line captured since the last check holds a database token, a workspace token or a client
    /// secret, and lets those lines go. The capture is at Trace and shared by a whole collection: joined into one string
    /// it outgrew the largest string .NET allows (and the test process's memory), so it is checked and dropped in
    /// pieces, once per test.
    /// </summary>
    public void AssertNoSecretsLogged()
    {
        foreach (var lines in Logs.Drain().Chunk(10_000))
        {
            AssertNoSecretsIn(string.Join(Environment.NewLine, lines));
        }
    }

    /// <summary>Fails if <paramref name="text"/> holds a database token, a workspace token or a client secret.</summary>
    public void AssertNoSecretsIn(string text) => EmulatorSecretAssert.DoesNotLeak(Emulator, text);

    /// <summary>Stops the emulator and the logger factory.</summary>
    public async ValueTask DisposeAsync()
    {
        // Null when InitializeAsync failed part way: the failure to report is that one, not a NullReferenceException here.
        if (Emulator is not null)
        {
            await Emulator.DisposeAsync();
        }

        LoggerFactory?.Dispose();
    }
}
