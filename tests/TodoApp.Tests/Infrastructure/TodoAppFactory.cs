using System.Net;
using Lakebase.Emulator;
using Lakebase.TestUtilities;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace TodoApp.Tests.Infrastructure;

/// <summary>
/// The real TodoApp (its Program, configuration binding, validation, UseLakebase and migrations) with test settings
/// layered on top of its own configuration. Every log line is captured so tests can check that no secret leaks.
/// </summary>
public sealed class TodoAppFactory(IReadOnlyDictionary<string, string?> settings, string? clientSecret) : WebApplicationFactory<Program>
{
    /// <summary>
    /// Pointed at a test's emulator exactly as a deployment is pointed at Lakebase: through the "Lakebase" settings.
    /// </summary>
    public TodoAppFactory(LakebaseEmulator emulator, string database, IReadOnlyDictionary<string, string?>? overrides = null)
        : this(Merge(LakebaseSettings(emulator, database), overrides), emulator.DefaultPrincipal.ClientSecret)
    {
    }

    /// <summary>Pointed at a test kit's database (on the emulator) through the "Lakebase" settings.</summary>
    public TodoAppFactory(Lakebase.Testing.LakebaseTestDatabase database)
        : this(database.Emulator ?? throw new InvalidOperationException("The sample's tests run on the test kit's emulator."), database.Emulator.Database)
    {
    }

    /// <summary>
    /// No Databricks settings: in Development (as `dotnet run` runs it) the app starts its own emulator in
    /// <paramref name="dataDirectory"/>; elsewhere only when <paramref name="overrides"/> opt in.
    /// </summary>
    public static TodoAppFactory WithEmbeddedEmulator(string dataDirectory, string environmentName = "Development", IReadOnlyDictionary<string, string?>? overrides = null) => new(
        Merge(new Dictionary<string, string?>
        {
            ["Lakebase:Endpoint"] = string.Empty,
            ["Lakebase:WorkspaceHost"] = string.Empty,
            ["Lakebase:ClientId"] = string.Empty,
            ["Lakebase:ClientSecret"] = string.Empty,
            ["Lakebase:Token"] = string.Empty,
            ["Lakebase:Emulator:DataDirectory"] = dataDirectory,
        }, overrides),
        clientSecret: null)
    {
        EnvironmentName = environmentName,
    };

    private TodoApp.Database.LocalEmulator? _localEmulator;

    public CapturingLoggerProvider Logs { get; } = new();

    /// <summary>The host environment the app runs in; WebApplicationFactory's own default is Development too.</summary>
    public string EnvironmentName { get; init; } = "Development";

    /// <summary>Serve over real Kestrel on 127.0.0.1 and a free port (for a browser), instead of the in-memory TestServer.</summary>
    public Uri StartKestrel()
    {
        UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        StartServer();
        var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new Uri(address);
    }

    /// <summary>
    /// Stops the app, and with it the emulator the app may have started. WebApplicationFactory returns before the
    /// app's own Program has finished disposing its services, so without this wait a test could delete the emulator's
    /// folder under a server that is still stopping, and leave that server running.
    /// </summary>
    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_localEmulator is { } localEmulator)
        {
            await localEmulator.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(60));
        }
    }

    protected override IHost CreateHost(IHostBuilder builder)
    {
        var host = base.CreateHost(builder);
        _localEmulator = host.Services.GetService<TodoApp.Database.LocalEmulator>();
        return host;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(EnvironmentName);
        builder.ConfigureAppConfiguration((_, configuration) => configuration.AddInMemoryCollection(settings));
        builder.ConfigureLogging(logging => logging.ClearProviders().AddProvider(Logs).SetMinimumLevel(LogLevel.Information));
    }

    /// <summary>Fails if a log line holds a token or the principal's secret.</summary>
    public void AssertNoSecretsLogged() => AssertNoSecretsIn(Logs.AllText());

    /// <summary>Fails if the text holds a token or the principal's secret.</summary>
    public void AssertNoSecretsIn(string text) => EmulatorSecretAssert.DoesNotLeak(text, [clientSecret]);

    private static Dictionary<string, string?> LakebaseSettings(LakebaseEmulator emulator, string database) => new()
    {
        ["Lakebase:Endpoint"] = emulator.EndpointName,
        ["Lakebase:WorkspaceHost"] = emulator.WorkspaceUrl.ToString(),
        ["Lakebase:ClientId"] = emulator.DefaultPrincipal.ClientId,
        ["Lakebase:ClientSecret"] = emulator.DefaultPrincipal.ClientSecret,
        ["Lakebase:Host"] = emulator.Host,
        ["Lakebase:Port"] = emulator.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Lakebase:Database"] = database,
        // As Databricks Apps set it: "require" is read as verified TLS, here against the emulator's CA.
        ["Lakebase:SslMode"] = "require",
        ["Lakebase:RootCertificate"] = emulator.CaCertificatePath,
        ["Lakebase:MigrateOnStartup"] = "true",
        // Blank out what a developer's shell may hold (DATABRICKS_TOKEN, PGUSER, PGAPPNAME): tests must not depend on it.
        ["Lakebase:Token"] = string.Empty,
        ["Lakebase:Username"] = string.Empty,
        ["Lakebase:ApplicationName"] = string.Empty,
    };

    private static Dictionary<string, string?> Merge(Dictionary<string, string?> settings, IReadOnlyDictionary<string, string?>? overrides)
    {
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return settings;
    }
}
