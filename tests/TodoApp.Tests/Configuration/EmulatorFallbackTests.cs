using System.Net.Http.Json;
using Microsoft.Extensions.Logging;
using TodoApp.Tests.Api;
using TodoApp.Tests.Infrastructure;
using TodoApp.Todos;

namespace TodoApp.Tests.Configuration;

/// <summary>
/// With no Lakebase settings the app runs on its own emulator only in Development or when told to: a deployment that
/// lost its settings must stop and say what to set, not quietly keep its todos on its own disk.
/// </summary>
public sealed class EmulatorFallbackTests : IDisposable
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "todoapp-fallback-" + Guid.NewGuid().ToString("N")[..12]);

    [Fact]
    public async Task In_Production_without_settings_the_app_stops_and_names_the_settings_to_set()
    {
        await using var app = TodoAppFactory.WithEmbeddedEmulator(_dataDirectory, environmentName: "Production");

        Assert.ThrowsAny<Exception>(() => app.CreateClient());

        var critical = Assert.Single(app.Logs.Entries, e => e.Level == LogLevel.Critical);
        Assert.Contains("LAKEBASE_ENDPOINT", critical.Message, StringComparison.Ordinal);
        Assert.Contains("DATABRICKS_HOST", critical.Message, StringComparison.Ordinal);
        Assert.Contains("DATABRICKS_CLIENT_SECRET", critical.Message, StringComparison.Ordinal);
        Assert.Contains("LAKEBASE_USE_EMULATOR=true", critical.Message, StringComparison.Ordinal);
        Assert.Contains("'Production'", critical.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(app.Logs.Entries, e => e.Message.Contains("starting the local Lakebase emulator", StringComparison.Ordinal));
        Assert.False(Directory.Exists(_dataDirectory), "an emulator database was created in Production");
    }

    [Fact]
    public async Task In_Production_the_explicit_opt_in_runs_the_app_on_its_emulator()
    {
        // As the environment variable LAKEBASE_USE_EMULATOR=true reaches configuration.
        await using var app = TodoAppFactory.WithEmbeddedEmulator(_dataDirectory, environmentName: "Production", new Dictionary<string, string?>
        {
            ["LAKEBASE_USE_EMULATOR"] = "true",
        });
        using var client = app.CreateClient();

        var created = await client.CreateAsync("Runs on the emulator on purpose");
        var todos = await client.GetFromJsonAsync<TodoPage>("/api/todos", TestContext.Current.CancellationToken);

        Assert.Contains(todos!.Items, t => t.Id == created.Id);
        Assert.Contains(app.Logs.Entries, e => e.Message.Contains("starting the local Lakebase emulator", StringComparison.Ordinal));
        app.AssertNoSecretsLogged();
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
        catch (IOException)
        {
            // Best effort: a temp folder left behind is harmless.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
