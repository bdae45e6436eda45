using Lakebase.Emulator;
using Lakebase.EntityFrameworkCore.Infrastructure;
using Lakebase.Npgsql;
using Lakebase.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Lakebase.EntityFrameworkCore.Tests.Integration;

/// <summary>
/// One local Lakebase emulator (real PostgreSQL behind a TLS, token-checking front; real workspace API over HTTP on
/// 127.0.0.1) shared by the integration tests. They run one at a time (one collection) because faults such as an
/// API outage or a token revocation are emulator-wide. Every log line the plugin and Npgsql write is captured.
/// </summary>
public sealed class EmulatorFixture : IAsyncLifetime
{
    public LakebaseEmulator Emulator { get; private set; } = null!;

    public CapturingLoggerProvider Logs { get; } = new();

    public ILoggerFactory LoggerFactory { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        LoggerFactory = Microsoft.Extensions.Logging.LoggerFactory.Create(b => b.AddProvider(Logs).SetMinimumLevel(LogLevel.Trace));
        Emulator = await LakebaseEmulator.StartAsync(new LakebaseEmulatorOptions(), TestContext.Current.CancellationToken);
    }

    /// <summary>A fresh service principal with its own role: its credential counts are this test's alone.</summary>
    public Task<EmulatedPrincipal> NewPrincipalAsync(bool workspaceAccess = true, bool createRole = true) =>
        Emulator.AddPrincipalAsync(EmulatedPrincipal.CreateServicePrincipal(workspaceAccess, createRole), TestContext.Current.CancellationToken);

    public LakebaseOAuthOptions OAuthFor(EmulatedPrincipal principal) => new()
    {
        WorkspaceHost = Emulator.WorkspaceUrl.ToString(),
        ClientId = principal.ClientId,
        ClientSecret = principal.ClientSecret,
    };

    public ProbeDb CreateContext(EmulatedPrincipal principal, Action<LakebaseDbContextOptionsBuilder>? configure = null, string? endpoint = null, LakebaseOAuthOptions? oauth = null)
    {
        // EF Core's logger factory, set before UseLakebase, is the one the plugin and Npgsql log to as well.
        var options = new DbContextOptionsBuilder<ProbeDb>()
            .UseLoggerFactory(LoggerFactory)
            .UseLakebase(endpoint ?? Emulator.EndpointName, oauth ?? OAuthFor(principal), lakebase =>
            {
                lakebase.Host(Emulator.Host).Port(Emulator.Port).RootCertificate(Emulator.CaCertificatePath).ReadEnvironment(false);
                configure?.Invoke(lakebase);
            })
            .Options;
        return new ProbeDb(options);
    }

    /// <summary>Fails if any captured log line holds a database token, a workspace token or a client secret.</summary>
    public void AssertNoSecretsLogged() => EmulatorSecretAssert.DoesNotLeak(Emulator, Logs.AllText());

    public async ValueTask DisposeAsync()
    {
        await Emulator.DisposeAsync();
        LoggerFactory.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class EmulatorCollection : ICollectionFixture<EmulatorFixture>
{
    public const string Name = "Lakebase emulator";
}
