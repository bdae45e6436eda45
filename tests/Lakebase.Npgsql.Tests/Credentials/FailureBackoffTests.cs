using System.Net;
using System.Text;
using Lakebase.Npgsql.Authentication;
using Lakebase.Npgsql.Configuration;
using Lakebase.Npgsql.Credentials;
using Lakebase.Npgsql.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lakebase.Npgsql.Tests.Credentials;

/// <summary>
/// Issue 16 items 2, 6 and 9 on the cache, on a fake clock: a failure is remembered for a backoff window, a fetch
/// that hangs does not wedge the cache, and a lifetime of months neither fails the open nor breaks the timer.
/// </summary>
public sealed class FailureBackoffTests : CacheTestBase
{
    [Fact]
    public async Task Twenty_open_loops_for_eight_seconds_against_a_missing_endpoint_make_a_handful_of_requests()
    {
        // The real client against a workspace that answers 404 (no such endpoint), as the measured run did.
        var requests = 0;
        using var http = new HttpClient(new Handler(_ =>
        {
            Interlocked.Increment(ref requests);
            return Json(HttpStatusCode.NotFound, """{"error_code":"NOT_FOUND","message":"endpoint not found"}""");
        }));
        var client = new DatabaseCredentialClient(() => http, new Uri("https://workspace.example/"), new BearerTokenSource("dapi-test"),
            LakebaseEndpointName.Parse("projects/p/branches/b/endpoints/missing"), _clock, NullLogger.Instance);
        await using var cache = new DatabaseCredentialCache(client.GenerateAsync, "missing endpoint", new CredentialCachePolicy { Random = new Random(7) }, _clock, NullLogger.Instance);

        // Every 100 ms of the fake clock, 20 loops open at once; every open inside a backoff window fails at once.
        LakebaseCredentialException? last = null;
        for (var step = 0; step < 80; step++)
        {
            var opens = Enumerable.Range(0, 20).Select(_ => Task.Run(() => cache.GetPasswordAsync(Ct).AsTask(), Ct));
            foreach (var open in opens)
            {
                last = await Assert.ThrowsAsync<LakebaseCredentialException>(() => open.WaitAsync(TimeSpan.FromSeconds(10), Ct));
            }

            _clock.Advance(TimeSpan.FromMilliseconds(100));
        }

        Assert.InRange(requests, 2, 8); // 1600 opens; today's code (no window) made one request per step: 80
        Assert.Equal(LakebaseCredentialError.EndpointNotFound, last!.Reason);
        Assert.Contains("Check the endpoint name", last.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_fetch_that_ignores_cancellation_and_hangs_is_abandoned_at_the_deadline_and_the_next_open_starts_a_new_one()
    {
        // Like a TokenProvider delegate that hung once, on its first call, and never looked at its token.
        var calls = 0;
        var hung = new TaskCompletionSource<DatabaseCredential>();
        var cache = NewCache(fetch: _ => Interlocked.Increment(ref calls) == 1 ? hung.Task : _api.FetchAsync(CancellationToken.None),
            policy: new CredentialCachePolicy { ConnectTimeout = TimeSpan.FromSeconds(5) });

        var first = cache.GetPasswordAsync(Ct).AsTask();
        await WaitUntil(() => Volatile.Read(ref calls) == 1);
        _clock.Advance(TimeSpan.FromSeconds(5));
        var error = await Assert.ThrowsAsync<LakebaseCredentialException>(() => first.WaitAsync(TimeSpan.FromSeconds(10), Ct));
        Assert.Equal(LakebaseCredentialError.Unavailable, error.Reason);
        Assert.Contains("connect timeout", error.Message, StringComparison.Ordinal);

        // Nothing waits for the hung call: the next open asks again and gets a credential.
        Assert.Equal("token-1", await cache.GetPasswordAsync(Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(10), Ct));
        Assert.Equal(2, calls);
        hung.SetResult(new DatabaseCredential("late", _clock.GetUtcNow(), _clock.GetUtcNow().AddHours(1))); // arrives after all: ignored
        Assert.Equal("token-1", await cache.GetPasswordAsync(Ct));
    }

    [Fact]
    public async Task A_credential_valid_for_100_days_is_served_and_its_refresh_timer_is_armed_within_a_day()
    {
        // A real timer: ITimer.Change throws past about 49.7 days, which failed the first open after storing the credential.
        var api = new FakeCredentialApi(TimeProvider.System, TimeSpan.FromDays(100));
        await using var cache = new DatabaseCredentialCache(api.FetchAsync, "long-lived", new CredentialCachePolicy(), TimeProvider.System, NullLogger.Instance);
        Assert.Equal("token-1", await cache.GetPasswordAsync(Ct));
        Assert.Equal("token-1", cache.GetPassword());
        Assert.NotNull(cache.NextRefreshAt);
        Assert.Equal(LakebaseCredentialState.Valid, cache.GetStatus("u", "s").State);
    }

    internal static HttpResponseMessage Json(HttpStatusCode status, string body) =>
        new(status) { Content = new StringContent(body, Encoding.UTF8, "application/json") };

    internal sealed class Handler(Func<HttpRequestMessage, HttpResponseMessage> answer) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) => Task.FromResult(answer(request));
    }
}
