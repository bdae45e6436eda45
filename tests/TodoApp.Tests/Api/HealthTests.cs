using System.Net;
using TodoApp.Tests.Infrastructure;

namespace TodoApp.Tests.Api;

public sealed class HealthTests(TodoAppFixture app) : IClassFixture<TodoAppFixture>
{
    [Fact]
    public async Task Health_reports_reachability_and_the_credential_without_secrets()
    {
        using var response = await app.Client.GetAsync("/health", TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = System.Text.Json.JsonDocument.Parse(body);
        Assert.False(json.RootElement.GetProperty("localEmulator").GetBoolean());
        var lakebase = json.RootElement.GetProperty("checks").GetProperty("lakebase");
        Assert.Equal("Healthy", lakebase.GetProperty("status").GetString()); // the probe ran SELECT 1
        var data = lakebase.GetProperty("data");
        Assert.Equal("Valid", data.GetProperty("state").GetString());
        Assert.True(data.GetProperty("expires_at").GetDateTimeOffset() > DateTimeOffset.UtcNow);
        Assert.Equal(System.Text.Json.JsonValueKind.String, data.GetProperty("last_refreshed_at").ValueKind);
        Assert.False(string.IsNullOrEmpty(data.GetProperty("source").GetString()));

        app.Factory.AssertNoSecretsIn(body);
    }
}
