using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Lakebase.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Lakebase.Aspire.Tests.AppHost;

/// <summary>
/// samples/TodoApp.AppHost as a developer runs it: the emulator resource becomes healthy (a Lakebase login works), the
/// TodoApp starts on the settings WithReference handed it (not on an emulator of its own) and serves todos over HTTP.
/// Everything listens on 127.0.0.1 and is stopped when the app is disposed.
/// </summary>
public sealed class TodoAppHostTests
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task The_TodoApp_runs_on_the_emulator_resource_and_serves_todos()
    {
        var stopwatch = Stopwatch.StartNew();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(StartTimeout);
        var ct = timeout.Token;

        // Random proxy ports: the TodoApp's launch profile names 5080, which a developer's own run may hold.
        var appHost = await DistributedApplicationTestingBuilder.CreateAsync<Projects.TodoApp_AppHost>(["DcpPublisher:RandomizePorts=true"], ct);
        await using var app = await appHost.BuildAsync(ct);
        using var logs = new ResourceLogCapture(app.Services.GetRequiredService<ResourceLoggerService>(), "db", "todoapp");
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

        // The emulator's console (shown in the dashboard) says it is ready, and never shows the principal's secret.
        var emulator = app.Services.GetRequiredService<DistributedApplicationModel>().Resources.OfType<LakebaseEmulatorResource>().Single();
        var secret = await emulator.ClientSecret.GetValueAsync(ct);
        await Poll.UntilAsync(() => logs.Text("db").Contains("Lakebase emulator ready", StringComparison.Ordinal), TimeSpan.FromSeconds(10), ct);
        SecretAssert.DoesNotLeak(logs.Text("db") + logs.Text("todoapp"), ("client secret", secret));

        await app.StopAsync(ct);
        TestContext.Current.SendDiagnosticMessage($"AppHost test: started, served and stopped in {stopwatch.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>Collects resources' console lines as the dashboard shows them.</summary>
    private sealed class ResourceLogCapture : IDisposable
    {
        private readonly Dictionary<string, StringBuilder> _lines = [];
        private readonly CancellationTokenSource _stop = new();

        public ResourceLogCapture(ResourceLoggerService loggers, params string[] resourceNames)
        {
            foreach (var name in resourceNames)
            {
                var text = _lines[name] = new StringBuilder();
                _ = Task.Run(async () =>
                {
                    await foreach (var batch in loggers.WatchAsync(name).WithCancellation(_stop.Token))
                    {
                        lock (text)
                        {
                            foreach (var line in batch)
                            {
                                text.AppendLine(line.Content);
                            }
                        }
                    }
                });
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _stop.Dispose();
        }

        public string Text(string resourceName)
        {
            var text = _lines[resourceName];
            lock (text)
            {
                return text.ToString();
            }
        }
    }
}
