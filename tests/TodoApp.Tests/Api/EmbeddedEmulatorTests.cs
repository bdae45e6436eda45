using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using TodoApp.Tests.Infrastructure;
using TodoApp.Todos;

namespace TodoApp.Tests.Api;

/// <summary>
/// The README's first command, `dotnet run --project samples/TodoApp` with nothing configured: the app starts its own
/// emulator in a persistent folder, migrates it, serves, and finds its todos again after a restart.
/// </summary>
public sealed class EmbeddedEmulatorTests : IDisposable
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "todoapp-embedded-" + Guid.NewGuid().ToString("N")[..12]);

    [Fact]
    public async Task Without_settings_the_app_runs_on_its_own_emulator_and_keeps_todos_across_restarts()
    {
        var ct = TestContext.Current.CancellationToken;
        await using (var first = TodoAppFactory.WithEmbeddedEmulator(_dataDirectory))
        {
            using var client = first.CreateClient();
            await client.CreateAsync("Survives a restart");

            var health = await client.GetFromJsonAsync<JsonElement>("/health", ct);
            Assert.True(health.GetProperty("localEmulator").GetBoolean());
            Assert.Contains(first.Logs.Entries, e => e.Message.Contains("starting the local Lakebase emulator", StringComparison.Ordinal));
            first.AssertNoSecretsLogged();
        }

        await using var second = TodoAppFactory.WithEmbeddedEmulator(_dataDirectory);
        using var secondClient = second.CreateClient();
        var todos = await secondClient.GetFromJsonAsync<TodoPage>("/api/todos", ct);
        Assert.Contains(todos!.Items, t => t.Title == "Survives a restart");
    }

    [Fact]
    public async Task The_first_start_on_a_fresh_emulator_logs_no_error()
    {
        // A fresh database has no migrations history yet; finding that out must not print a red "fail:" line.
        var app = TodoAppFactory.WithEmbeddedEmulator(_dataDirectory);
        await using (app)
        {
            using var client = app.CreateClient();
            using var response = await client.GetAsync("/api/todos", TestContext.Current.CancellationToken);
            response.EnsureSuccessStatusCode();
        }

        Assert.Contains(app.Logs.Entries, e => e.Message.Contains("Applying migration", StringComparison.Ordinal));
        var errors = app.Logs.Entries.Where(e => e.Level >= LogLevel.Error).ToList();
        Assert.True(errors.Count == 0, "Error-level log lines on a fresh start:" + Environment.NewLine + string.Join(Environment.NewLine, errors));

        // The app's emulator stopped with the app: its PostgreSQL server is gone, not left running on the folder.
        Assert.Contains(app.Logs.Entries, e => e.Message.Contains("Lakebase emulator stopped", StringComparison.Ordinal));
        Assert.False(File.Exists(Path.Combine(_dataDirectory, "pgdata", "postmaster.pid")), "the emulator's PostgreSQL server still runs after the app stopped");
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
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
