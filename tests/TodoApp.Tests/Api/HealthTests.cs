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
        var data = json.RootElement.GetProperty("checks").GetProperty("database").GetProperty("data");
        Assert.True(data.GetProperty("reachable").GetBoolean());
        var credential = data.GetProperty("credential");
        Assert.Equal("Valid", credential.GetProperty("state").GetString());
        Assert.True(credential.GetProperty("expiresAt").GetDateTimeOffset() > DateTimeOffset.UtcNow);
        Assert.Equal(System.Text.Json.JsonValueKind.String, credential.GetProperty("lastRefreshedAt").ValueKind);
        Assert.False(string.IsNullOrEmpty(credential.GetProperty("source").GetString()));

        app.Factory.AssertNoSecretsIn(body);
    }
}
