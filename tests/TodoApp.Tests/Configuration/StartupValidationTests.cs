using TodoApp.Tests.Infrastructure;

namespace TodoApp.Tests.Configuration;

/// <summary>The real app with a setting missing: it must refuse to start and say which setting and how to fix it.</summary>
public sealed class StartupValidationTests(EmulatorFixture emulator)
{
    [Fact]
    public async Task Missing_workspace_host_stops_the_app_with_a_message_naming_DATABRICKS_HOST()
    {
        await using var app = new TodoAppFactory(emulator.Emulator, emulator.Emulator.Database, new Dictionary<string, string?>
        {
            ["Lakebase:WorkspaceHost"] = string.Empty,
        });

        Assert.ThrowsAny<Exception>(() => app.CreateClient());

        var critical = Assert.Single(app.Logs.Entries, e => e.Level == Microsoft.Extensions.Logging.LogLevel.Critical);
        Assert.Contains("Lakebase:WorkspaceHost is not set: set DATABRICKS_HOST", critical.Message, StringComparison.Ordinal);
        app.AssertNoSecretsLogged();
    }
}
