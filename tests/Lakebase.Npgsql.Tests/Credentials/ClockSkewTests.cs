using System.Net;
using System.Text;
using Lakebase.Npgsql.Authentication;
using Lakebase.Npgsql.Configuration;
using Lakebase.Npgsql.Credentials;
using Lakebase.TestUtilities;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Lakebase.Npgsql.Tests.Credentials;

/// <summary>
/// The credential's expiry is the workspace's statement on the workspace's clock: it is converted to this machine's
/// clock with the skew read from the answer's HTTP Date header, so a machine whose clock is off neither serves an
/// expired token nor refreshes far too early.
/// </summary>
public sealed class ClockSkewTests
{
    private static readonly DateTimeOffset LocalNow = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(600)] // the workspace's clock is 10 minutes ahead of ours
    [InlineData(-600)] // ... or behind
    [InlineData(-3700)] // behind by more than a token's lifetime: the expiry looks past on our clock
    public async Task The_expiry_is_converted_to_the_local_clock_using_the_date_header(int skewSeconds)
    {
        var serverNow = LocalNow.AddSeconds(skewSeconds);
        var logs = new CapturingLoggerProvider();
        var credential = await FetchAsync(serverNow, serverNow.AddHours(1), logs);

        Assert.Equal(LocalNow, credential.IssuedAt);
        Assert.Equal(LocalNow.AddHours(1), credential.ExpiresAt); // one hour from now on our clock, whatever the workspace's says
        Assert.Contains(logs.Entries, e => e.EventId.Name == "ClockSkewDetected");
    }

    [Fact]
    public async Task Differences_within_the_date_headers_precision_are_ignored()
    {
        var logs = new CapturingLoggerProvider();
        var credential = await FetchAsync(LocalNow.AddSeconds(2), LocalNow.AddHours(1), logs);

        Assert.Equal(LocalNow.AddHours(1), credential.ExpiresAt);
        Assert.DoesNotContain(logs.Entries, e => e.EventId.Name == "ClockSkewDetected");
    }

    private static async Task<DatabaseCredential> FetchAsync(DateTimeOffset serverDate, DateTimeOffset expireTime, CapturingLoggerProvider logs)
    {
        using var factory = LoggerFactory.Create(b => b.AddProvider(logs));
        using var http = new HttpClient(new Answer(serverDate, expireTime));
        var client = new DatabaseCredentialClient(
            () => http,
            new Uri("https://workspace.example/"),
            new BearerTokenSource("dapi-test"),
            LakebaseEndpointName.Parse("projects/p/branches/b/endpoints/e"),
            new FakeTimeProvider(LocalNow),
            factory.CreateLogger("test"));
        return await client.GenerateAsync(TestContext.Current.CancellationToken);
    }

    private sealed class Answer(DateTimeOffset date, DateTimeOffset expireTime) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = $$"""{"token":"lbdb_test","expire_time":"{{expireTime.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}}"}""";
            var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            response.Headers.Date = date;
            return Task.FromResult(response);
        }
    }
}
