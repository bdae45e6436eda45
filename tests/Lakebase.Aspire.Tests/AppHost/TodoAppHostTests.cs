using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Lakebase.TestUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Lakebase.Aspire.Tests.AppHost;

/// <summary>
/// samples/TodoApp.AppHost as a developer runs it: the emulator resource becomes healthy (a Lakebase login works), the
/// TodoApp starts on the settings WithReference handed it (not on an emulator of its own) and serves todos over HTTP.
/// Everything listens on 127.0.0.1 and is stopped when the app is disposed.
/// </summary>
public sealed class TodoAppHostTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task The_TodoApp_runs_on_the_emulator_resource_and_serves_todos()
    {
        var stopwatch = Stopwatch.StartNew();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(Timeout);
        var ct = timeout.Token;

        // Random proxy ports: the TodoApp's launch profile names 5080, which a developer's own run may hold.
        var appHost = await DistributedApplicationTestingBuilder.CreateAsync<Projects.TodoApp_AppHost>(["DcpPublisher:RandomizePorts=true"], ct);
        // The AppHost's own logs and, forwarded by Aspire, every resource's console (what the dashboard shows).
        var logs = new CapturingLoggerProvider();
        appHost.Services.AddLogging(logging => logging.AddProvider(logs).SetMinimumLevel(LogLevel.Debug));
        await using var app = await appHost.BuildAsync(ct);
        await app.StartAsync(ct);

        await app.ResourceNotifications.WaitForResourceHealthyAsync("db", ct);
        await app.ResourceNotifications.WaitForResourceHealthyAsync("todoapp", ct);

        using var client = app.CreateHttpClient("todoapp");
        using var health = await client.GetFromJsonAsync<JsonDocument>("/health", ct);
        Assert.Equal("Healthy", health!.RootElement.GetProperty("status").GetString());
        Assert.False(health.RootElement.GetProperty("localEmulator").GetBoolean()); // on the AppHost's emulator, not its own

        var title = $"from Aspire {Guid.NewGuid():N}";
        using var created = await client.PostAsJsonAsync("/api/todos", new { title }, ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetInt32();

        var fetched = await client.GetFromJsonAsync<JsonElement>($"/api/todos/{id}", ct);
        Assert.Equal(title, fetched.GetProperty("title").GetString());

        // The emulator's console says it is ready; no log shows the principal's secret.
        var emulator = app.Services.GetRequiredService<DistributedApplicationModel>().Resources.OfType<LakebaseEmulatorResource>().Single();
        var secret = await emulator.ClientSecret.GetValueAsync(ct);
        await Poll.UntilAsync(
            () => logs.Entries.Any(e => e.Category.EndsWith(".Resources.db", StringComparison.Ordinal) && e.Message.Contains("Lakebase emulator ready", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(10),
            ct);
        SecretAssert.DoesNotLeak(logs.AllText(), ("client secret", secret));

        await app.StopAsync(ct);
        TestContext.Current.SendDiagnosticMessage($"TodoApp.AppHost: started, served and stopped in {stopwatch.Elapsed.TotalSeconds:F1} s");
    }
}
