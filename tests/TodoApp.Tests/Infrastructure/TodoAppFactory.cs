using System.Net;
using Lakebase.Emulator;
using Lakebase.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace TodoApp.Tests.Infrastructure;

/// <summary>
/// The real TodoApp (its Program, configuration binding, validation, UseLakebase and migrations) pointed at an
/// emulator exactly as a deployment points it at Lakebase: through the "Lakebase" settings. Every log line is captured
/// so tests can check that no secret leaks.
/// </summary>
public sealed class TodoAppFactory(LakebaseEmulator emulator, string database, IReadOnlyDictionary<string, string?>? overrides = null)
    : WebApplicationFactory<Program>
{
    public CapturingLoggerProvider Logs { get; } = new();

    /// <summary>Serve over real Kestrel on 127.0.0.1 and a free port (for a browser), instead of the in-memory TestServer.</summary>
    public Uri StartKestrel()
    {
        UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        StartServer();
        var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new Uri(address);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Lakebase:Endpoint"] = emulator.EndpointName,
            ["Lakebase:WorkspaceHost"] = emulator.WorkspaceUrl.ToString(),
            ["Lakebase:ClientId"] = emulator.DefaultPrincipal.ClientId,
            ["Lakebase:ClientSecret"] = emulator.DefaultPrincipal.ClientSecret,
            ["Lakebase:Host"] = emulator.Host,
            ["Lakebase:Port"] = emulator.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Lakebase:Database"] = database,
            ["Lakebase:SslMode"] = "require",
            ["Lakebase:MigrateOnStartup"] = "true",
            // Blank out what a developer's shell may hold (DATABRICKS_TOKEN, PGUSER, PGAPPNAME): tests must not depend on it.
            ["Lakebase:Token"] = string.Empty,
            ["Lakebase:Username"] = string.Empty,
            ["Lakebase:ApplicationName"] = string.Empty,
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        builder.ConfigureAppConfiguration((_, configuration) => configuration.AddInMemoryCollection(settings));
        builder.ConfigureLogging(logging => logging.ClearProviders().AddProvider(Logs).SetMinimumLevel(LogLevel.Information));
    }

    /// <summary>Fails if a log line holds a token or the principal's secret.</summary>
    public void AssertNoSecretsLogged() => AssertNoSecretsIn(Logs.AllText());

    /// <summary>Fails if the text holds a token or the principal's secret.</summary>
    public void AssertNoSecretsIn(string text)
    {
        Assert.DoesNotContain("lbdb_", text, StringComparison.Ordinal); // emulator database tokens start so
        Assert.DoesNotContain("lbws_", text, StringComparison.Ordinal); // emulator workspace tokens start so
        SecretAssert.DoesNotLeak(text, ("client secret", emulator.DefaultPrincipal.ClientSecret));
    }
}
