using System.Net;
using System.Text;
using Microsoft.Extensions.Time.Testing;

namespace Lakebase.Emulator.Tests;

/// <summary>The credential API's token-bucket rate limit, on the emulator's clock.</summary>
public sealed class RateLimitTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Over_the_limit_answers_429_with_retry_after_until_the_bucket_refills()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var emulator = await LakebaseEmulator.StartAsync(new LakebaseEmulatorOptions { TimeProvider = clock }, Ct);
        using var http = new HttpClient();
        var workspaceToken = await Client.GetWorkspaceTokenAsync(http, emulator);
        emulator.Faults.RateLimitCredentials(requestsPerMinute: 6, burst: 2);

        for (var i = 0; i < 2; i++)
        {
            using var passed = await Client.RequestCredentialAsync(http, emulator, workspaceToken);
            Assert.Equal(HttpStatusCode.OK, passed.StatusCode);
        }

        using (var limited = await Client.RequestCredentialAsync(http, emulator, workspaceToken))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(10), limited.Headers.RetryAfter?.Delta);
            Assert.Equal("REQUEST_LIMIT_EXCEEDED", (await Client.ReadJsonAsync(limited))["error_code"]!.GetValue<string>());
        }

        // The Provisioned API shares the limit; the token endpoint does not.
        using (var provisioned = await Client.PostJsonAsync(http, emulator, "api/2.0/database/credentials", workspaceToken, $$"""{"instance_names":["{{emulator.InstanceName}}"]}"""))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, provisioned.StatusCode);
        }

        await Client.GetWorkspaceTokenAsync(http, emulator);
        Assert.Equal(2, emulator.Counters.TooManyRequests);
        Assert.Equal(2, emulator.Counters.CredentialsMinted);

        clock.Advance(TimeSpan.FromSeconds(4));
        using (var stillLimited = await Client.RequestCredentialAsync(http, emulator, workspaceToken))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, stillLimited.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(6), stillLimited.Headers.RetryAfter?.Delta);
        }

        clock.Advance(TimeSpan.FromSeconds(6));
        using (var refilled = await Client.RequestCredentialAsync(http, emulator, workspaceToken))
        {
            Assert.Equal(HttpStatusCode.OK, refilled.StatusCode);
        }

        emulator.Faults.Reset();
        for (var i = 0; i < 5; i++)
        {
            using var unlimited = await Client.RequestCredentialAsync(http, emulator, workspaceToken);
            Assert.Equal(HttpStatusCode.OK, unlimited.StatusCode);
        }
    }

    [Fact]
    public async Task Admin_endpoint_sets_and_clears_the_limit_and_counts_429s()
    {
        await using var emulator = await LakebaseEmulator.StartAsync(cancellationToken: Ct);
        using var http = new HttpClient();
        var workspaceToken = await Client.GetWorkspaceTokenAsync(http, emulator);

        using (var set = await PostAdminAsync(http, emulator, "emulator/faults", """{"credential_rate_limit_per_minute":1,"credential_rate_limit_burst":1}"""))
        {
            var faults = await Client.ReadJsonAsync(set);
            Assert.Equal(1, faults["credential_rate_limit_per_minute"]!.GetValue<double>());
            Assert.Equal(1, faults["credential_rate_limit_burst"]!.GetValue<int>());
        }

        using (var first = await Client.RequestCredentialAsync(http, emulator, workspaceToken))
        using (var second = await Client.RequestCredentialAsync(http, emulator, workspaceToken))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
            Assert.InRange(second.Headers.RetryAfter!.Delta!.Value, TimeSpan.FromSeconds(59), TimeSpan.FromSeconds(60));
        }

        using (var counters = await http.GetAsync(new Uri(emulator.WorkspaceUrl, "emulator/counters"), Ct))
        {
            Assert.Equal(1, (await Client.ReadJsonAsync(counters))["too_many_requests"]!.GetValue<long>());
        }

        using (var cleared = await PostAdminAsync(http, emulator, "emulator/faults", """{"credential_rate_limit_per_minute":null}"""))
        {
            Assert.Null((await Client.ReadJsonAsync(cleared))["credential_rate_limit_per_minute"]);
        }

        using var after = await Client.RequestCredentialAsync(http, emulator, workspaceToken);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);

        using var invalid = await PostAdminAsync(http, emulator, "emulator/faults", """{"credential_rate_limit_per_minute":0}""");
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
    }

    private static Task<HttpResponseMessage> PostAdminAsync(HttpClient http, LakebaseEmulator emulator, string path, string json) =>
        http.PostAsync(new Uri(emulator.WorkspaceUrl, path), new StringContent(json, Encoding.UTF8, "application/json"), Ct);
}
