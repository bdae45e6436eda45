using System.Net;
using System.Text.Json;
using TodoApp.Tests.Infrastructure;

namespace TodoApp.Tests.Api;

/// <summary>
/// /health outside Development: anyone who can reach the app can call it, so it says only whether the app is healthy,
/// not who it runs as, where its database is or when its credential expires (the README says where the details are).
/// </summary>
public sealed class PublicHealthTests(EmulatorFixture emulator)
{
    [Fact]
    public async Task In_Production_health_answers_only_the_status()
    {
        var ct = TestContext.Current.CancellationToken;
        var database = await emulator.CreateDatabaseAsync("todo_health");
        await using var app = new TodoAppFactory(emulator.Emulator, database) { EnvironmentName = "Production" };
        using var client = app.CreateClient();

        using var response = await client.GetAsync("/health", ct);
        var body = await response.Content.ReadAsStringAsync(ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(body);
        var property = Assert.Single(json.RootElement.EnumerateObject());
        Assert.Equal("status", property.Name);
        Assert.Equal("Healthy", property.Value.GetString());
        Assert.DoesNotContain(emulator.Emulator.DefaultPrincipal.ClientId, body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(emulator.Emulator.Host, body, StringComparison.OrdinalIgnoreCase);
    }
}
