using Lakebase.Emulator;
using Lakebase.Testing;
using Microsoft.Extensions.Logging;

namespace Lakebase.Npgsql.Tests;

/// <summary>
/// One local Lakebase emulator (real PostgreSQL behind a TLS, token-checking front with its own CA; real workspace API
/// over HTTP on 127.0.0.1) shared by the tests of one collection, which run one at a time because faults are
/// emulator-wide. Every log line Lakebase and Npgsql write is captured and checked for secrets.
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
    public Task<EmulatedPrincipal> NewPrincipalAsync() =>
        Emulator.AddPrincipalAsync(EmulatedPrincipal.CreateServicePrincipal(), TestContext.Current.CancellationToken);

    public LakebaseOAuthOptions OAuthFor(EmulatedPrincipal principal) => new()
    {
        WorkspaceHost = Emulator.WorkspaceUrl.ToString(),
        ClientId = principal.ClientId,
        ClientSecret = principal.ClientSecret,
    };

    /// <summary>A builder for the principal with verified TLS against the emulator's CA, as a user would write it.</summary>
    public LakebaseDataSourceBuilder Builder(EmulatedPrincipal principal) =>
        new LakebaseDataSourceBuilder(Emulator.EndpointName, OAuthFor(principal))
            .Host(Emulator.Host)
            .Port(Emulator.Port)
            .RootCertificate(Emulator.CaCertificatePath)
            .ReadEnvironment(false)
            .UseLoggerFactory(LoggerFactory);

    /// <summary>The "Lakebase" section and DATABRICKS_* values of a deployment pointed at this emulator.</summary>
    public Dictionary<string, string?> Settings(EmulatedPrincipal principal) => new()
    {
        ["Lakebase:Endpoint"] = Emulator.EndpointName,
        ["Lakebase:Host"] = Emulator.Host,
        ["Lakebase:Port"] = Emulator.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Lakebase:RootCertificate"] = Emulator.CaCertificatePath,
        ["DATABRICKS_HOST"] = Emulator.WorkspaceUrl.ToString(),
        ["DATABRICKS_CLIENT_ID"] = principal.ClientId,
        ["DATABRICKS_CLIENT_SECRET"] = principal.ClientSecret,
    };

    /// <summary>Fails if any captured log line holds a database token, a workspace token or a client secret.</summary>
    public void AssertNoSecretsLogged() => AssertNoSecretsIn(Logs.AllText());

    public void AssertNoSecretsIn(string text) => EmulatorSecretAssert.DoesNotLeak(Emulator, text);

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
