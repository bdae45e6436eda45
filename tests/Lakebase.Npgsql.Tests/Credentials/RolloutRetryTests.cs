using Lakebase.Npgsql.Credentials;

namespace Lakebase.Npgsql.Tests.Credentials;

/// <summary>
/// Issue 19, target 4: instances refused together by the workspace's rate limit (429 with Retry-After) must not come
/// back together. Retry-After is a floor with full jitter above it, and repeated refusals back off for minutes, while a
/// credential still valid keeps being served. On a fake clock; the jitter is a seeded or fixed draw.
/// </summary>
public sealed class RolloutRetryTests : CacheTestBase
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task Instances_refused_together_retry_spread_over_the_connect_timeout_not_at_the_instant_retry_after_names()
    {
        // Ten instances (each its own cache and jitter seed) open at once and are all refused with "Retry-After: 1".
        var opens = new List<Task<string>>();
        for (var seed = 0; seed < 10; seed++)
        {
            var refused = 0;
            var cache = NewCache(new CredentialCachePolicy { ConnectTimeout = ConnectTimeout, Random = new Random(seed) }, ct =>
                Interlocked.Increment(ref refused) == 1 ? throw FakeCredentialApi.RateLimited(RetryAfter) : _api.FetchAsync(ct));
            opens.Add(cache.GetPasswordAsync(Ct).AsTask());
        }

        // Each schedules its retry: the deadlines are the 30 s connect timeout, the refresh timers start disarmed, the retries are the rest.
        await WaitUntil(() => Retries().Count == 10);
        var retries = Retries();
        Assert.All(retries, r => Assert.InRange(r, RetryAfter, ConnectTimeout)); // never before the floor, always within the open
        Assert.True(retries.Distinct().Count() >= 9, $"retries not spread: {string.Join(", ", retries)}");
        Assert.True(retries.Max() - retries.Min() >= TimeSpan.FromSeconds(10), $"retries bunched: {string.Join(", ", retries)}");

        _clock.Advance(ConnectTimeout - TimeSpan.FromSeconds(1));
        Assert.All(await Task.WhenAll(opens), p => Assert.StartsWith("token-", p, StringComparison.Ordinal)); // every open got one, in time
        Assert.Equal(10, _api.Requests);

        List<TimeSpan> Retries() => _clock.DueTimes.Where(d => d > TimeSpan.Zero && d < ConnectTimeout).ToList();
    }

    [Fact]
    public async Task A_second_refusal_ends_the_open_and_with_no_credential_to_serve_the_next_try_comes_seconds_after_retry_after()
    {
        var cache = NewCache(new CredentialCachePolicy { ConnectTimeout = ConnectTimeout, Random = new FixedRandom(0.5) });
        _api.Failure = () => FakeCredentialApi.RateLimited(RetryAfter);

        // Refused, retried once after 1 s + half of 90 % of the 29 s left (14.05 s), refused again: the open fails.
        var open = cache.GetPasswordAsync(Ct).AsTask();
        await WaitUntil(() => _clock.HasTimerDueIn(TimeSpan.FromSeconds(14.05)));
        _clock.Advance(TimeSpan.FromSeconds(14.05));
        var error = await Assert.ThrowsAsync<LakebaseCredentialException>(() => open.WaitAsync(TimeSpan.FromSeconds(10), Ct));
        Assert.Equal(LakebaseCredentialError.RateLimited, error.Reason);
        Assert.Equal(2, _api.Requests);

        // Every open fails until a credential arrives (a revocation during a 429 storm), so the backoff is not the
        // minutes a refresh behind a valid credential waits: Retry-After plus the transient formula's jitter, 1.5 s
        // here. Inside it an open fails at once and asks nothing; the storm over, the first open after it succeeds.
        _clock.Advance(TimeSpan.FromSeconds(1.4));
        await Assert.ThrowsAsync<LakebaseCredentialException>(() => cache.GetPasswordAsync(Ct).AsTask());
        AssertNothingRequested(cache, 2);
        _api.Failure = null;
        _clock.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Equal("token-3", await cache.GetPasswordAsync(Ct));
        Assert.Equal(3, _api.Requests);
    }

    [Fact]
    public async Task A_valid_credential_keeps_being_served_while_a_rate_limited_refresh_backs_off()
    {
        var cache = NewCache(new CredentialCachePolicy { ConnectTimeout = ConnectTimeout, Jitter = false, Random = new FixedRandom(0.5) });
        Assert.Equal("token-1", await cache.GetPasswordAsync(Ct)); // refreshed at 48:00 (no jitter), usable until 59:30
        var jittered = NewCache(new CredentialCachePolicy { ConnectTimeout = ConnectTimeout, Random = new FixedRandom(0.5) });
        Assert.Equal("token-2", await jittered.GetPasswordAsync(Ct)); // refreshed at 39:00 (half-way between 50 and 80 %)
        _api.Failure = () => FakeCredentialApi.RateLimited(RetryAfter);

        _clock.Advance(TimeSpan.FromMinutes(39));
        await WaitUntil(() => _api.Requests == 3 && jittered.NextRefreshAt is not null && !IsRefreshing(jittered));

        // The background refresh is refused: its retry comes 1 s + half of 3 minutes later, not after the 1 s asked.
        Assert.Equal(TimeSpan.FromSeconds(91), jittered.NextRefreshAt!.Value - _clock.GetUtcNow());
        Assert.Equal("token-2", await jittered.GetPasswordAsync(Ct));
        Assert.Equal("token-1", await cache.GetPasswordAsync(Ct));

        _api.Failure = null;
        _clock.Advance(TimeSpan.FromSeconds(91));
        await WaitUntil(() => jittered.Generation == 2);
        Assert.Equal(4, _api.Requests);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(600)]
    public async Task A_credential_revoked_while_a_refused_background_refresh_backs_off_is_replaced_after_retry_after_not_minutes_later(int revokedAfterMs)
    {
        var cache = await WithRefusedBackgroundRefreshAsync();
        Assert.Equal(TimeSpan.FromSeconds(91), cache.NextRefreshAt!.Value - _clock.GetUtcNow());

        // Refused: the background refresh backs off 1 s + half of 3 minutes. Then the credential, which logins had
        // used, is revoked while the 429 storm still runs. The forced refresh neither fails on the remembered refusal
        // for minutes nor asks inside its Retry-After: it asks when what is left of it ends (plus 50 ms for clocks that
        // differ) and half a second of jitter later, when the storm is over.
        cache.ConfirmLogin(cache.Generation);
        var revokedAfter = TimeSpan.FromMilliseconds(revokedAfterMs);
        _clock.Advance(revokedAfter);
        var left = RetryAfter - revokedAfter;
        await AssertReplacedLaterAsync(cache, cache.ForceRefreshAsync(cache.Generation, Ct), left + TimeSpan.FromSeconds(0.55));
    }

    [Fact]
    public async Task A_cache_disposed_while_a_revoked_credential_waits_out_retry_after_ends_that_wait_and_asks_nothing_more()
    {
        var cache = await WithRefusedBackgroundRefreshAsync();

        // Revoked during the 429 storm: the forced refresh waits 1 s + 50 ms + half a second before its one more try.
        cache.ConfirmLogin(cache.Generation);
        var replaced = cache.ForceRefreshAsync(cache.Generation, Ct);
        await WaitUntil(() => _clock.HasTimerDueIn(TimeSpan.FromSeconds(1.55)));

        // The host stops meanwhile (its data source disposes the cache): the login behind it hears that its data source
        // is gone, not that it was cancelled, and neither that retry nor the background one 91 s out ever asks.
        await cache.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => replaced.WaitAsync(TimeSpan.FromSeconds(10), Ct));
        _api.Failure = null;
        _clock.Advance(TimeSpan.FromMinutes(2));
        AssertNothingRequested(cache, 2);
    }

    [Fact]
    public async Task A_credential_revoked_after_its_refresh_was_denied_permission_fails_at_once_without_asking_again()
    {
        var cache = NewCache(new CredentialCachePolicy { ConnectTimeout = ConnectTimeout, Random = new FixedRandom(0.5) });
        Assert.Equal("token-1", await cache.GetPasswordAsync(Ct));
        _api.Failure = FakeCredentialApi.PermissionDenied;
        _clock.Advance(TimeSpan.FromMinutes(39));
        await WaitUntil(() => _api.Requests == 2 && !IsRefreshing(cache));

        // Only a remembered 429 is cut short for a revoked credential: a refusal that asking again cannot fix stands.
        cache.ConfirmLogin(cache.Generation);
        var error = await Assert.ThrowsAsync<LakebaseCredentialException>(() => cache.ForceRefreshAsync(cache.Generation, Ct));
        Assert.Equal(LakebaseCredentialError.PermissionDenied, error.Reason);
        AssertNothingRequested(cache, 2);
    }

    [Fact]
    public async Task A_credential_revoked_while_its_background_refresh_is_in_flight_is_replaced_after_that_refresh_is_refused()
    {
        var cache = NewCache(new CredentialCachePolicy { ConnectTimeout = ConnectTimeout, Random = new FixedRandom(0.5) });
        Assert.Equal("token-1", await cache.GetPasswordAsync(Ct)); // refreshed at 39:00 (half-way between 50 and 80 %)
        cache.ConfirmLogin(cache.Generation);

        // The background refresh is on its way (one request, the credential still usable) when a login finds the
        // credential revoked: the forced refresh joins it, and the workspace refuses it.
        var held = new TaskCompletionSource();
        _api.Gate = held;
        _api.Failure = () =>
        {
            _api.Failure = null;
            return FakeCredentialApi.RateLimited(RetryAfter);
        };
        _clock.Advance(TimeSpan.FromMinutes(39));
        await WaitUntil(() => _api.Requests == 2);
        var replaced = cache.ForceRefreshAsync(cache.Generation, Ct);
        _api.Gate = null;
        held.SetResult();

        // The opens of a revoked credential do not fail on that single refusal, nor wait out the background refresh's
        // minutes of backoff: the forced refresh asks once more after Retry-After (plus 50 ms) and half a second of jitter.
        await AssertReplacedLaterAsync(cache, replaced, TimeSpan.FromSeconds(1.55));
    }

    [Fact]
    public async Task A_forced_refresh_that_joins_another_opens_forced_refresh_shares_its_retries_and_adds_none()
    {
        var cache = NewCache(new CredentialCachePolicy { ConnectTimeout = ConnectTimeout, Random = new FixedRandom(0.5) });
        Assert.Equal("token-1", await cache.GetPasswordAsync(Ct));
        cache.ConfirmLogin(cache.Generation);
        var held = new TaskCompletionSource();
        _api.Gate = held;
        _api.Failure = () => FakeCredentialApi.RateLimited(RetryAfter);

        // Two logins find the credential revoked: the first starts a forced refresh (an open's: three tries at
        // Retry-After plus half a second), the second joins it.
        var revoked = cache.Generation;
        var first = cache.ForceRefreshAsync(revoked, Ct);
        await WaitUntil(() => _api.Requests == 2);
        var second = cache.ForceRefreshAsync(revoked, Ct);
        _api.Gate = null;
        held.SetResult();
        var retry = TimeSpan.FromSeconds(1.5);
        for (var tries = 1; tries <= 2; tries++)
        {
            await WaitUntil(() => _clock.DueTimes.Count(due => due == retry) == tries);
            _clock.Advance(retry);
        }

        // The storm outlasts all three: both fail with the refusal, and the second asks nothing of its own.
        Assert.Equal(LakebaseCredentialError.RateLimited, (await Assert.ThrowsAsync<LakebaseCredentialException>(() => first.WaitAsync(TimeSpan.FromSeconds(10), Ct))).Reason);
        var error = await Assert.ThrowsAsync<LakebaseCredentialException>(() => second.WaitAsync(TimeSpan.FromSeconds(10), Ct));
        Assert.Equal(LakebaseCredentialError.RateLimited, error.Reason);
        AssertNothingRequested(cache, 4);
    }

    [Fact]
    public async Task A_fetch_nobody_waits_on_makes_one_request_and_a_429_backs_it_off_over_five_minutes_not_the_connect_timeout()
    {
        var cache = NewCache(new CredentialCachePolicy { ConnectTimeout = ConnectTimeout, Random = new FixedRandom(0.5) });
        _api.Failure = () => FakeCredentialApi.RateLimited(RetryAfter);

        // Warm-up or readiness: one request, refused, and no retry in line (an open would retry within its 30 s).
        var error = await Assert.ThrowsAsync<LakebaseCredentialException>(() => cache.PrefetchAsync(Ct));
        Assert.Equal(LakebaseCredentialError.RateLimited, error.Reason);
        AssertNothingRequested(cache, 1);

        // Remembered for 1 s + half of five minutes (151 s): fetches inside the window, and the timer, ask nothing.
        _clock.Advance(TimeSpan.FromSeconds(150));
        await Assert.ThrowsAsync<LakebaseCredentialException>(() => cache.PrefetchAsync(Ct));
        AssertNothingRequested(cache, 1);

        _api.Failure = null;
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("token-2", (await cache.PrefetchAsync(Ct)).Token);
    }

    // A cache serving token-1 whose background refresh (at 39:00, half-way between 50 and 80 %) the workspace refused
    // with a 429, which it goes on refusing; the refresh has backed off and nothing is under way.
    private async Task<DatabaseCredentialCache> WithRefusedBackgroundRefreshAsync()
    {
        var cache = NewCache(new CredentialCachePolicy { ConnectTimeout = ConnectTimeout, Random = new FixedRandom(0.5) });
        Assert.Equal("token-1", await cache.GetPasswordAsync(Ct));
        _api.Failure = () => FakeCredentialApi.RateLimited(RetryAfter);
        _clock.Advance(TimeSpan.FromMinutes(39));
        await WaitUntil(() => _api.Requests == 2 && cache.NextRefreshAt is not null && !IsRefreshing(cache));
        return cache;
    }

    // The revoked credential's forced refresh asks once more, Retry-After plus 50 ms and half a second of jitter (retry)
    // after the refusal, not before, and gets a new credential.
    private async Task AssertReplacedLaterAsync(DatabaseCredentialCache cache, Task<bool> replaced, TimeSpan retry)
    {
        await WaitUntil(() => _clock.HasTimerDueIn(retry));
        AssertNothingRequested(cache, 2);
        _api.Failure = null;
        _clock.Advance(retry);

        Assert.True(await replaced.WaitAsync(TimeSpan.FromSeconds(10), Ct));
        Assert.Equal(3, _api.Requests);
        Assert.Equal("token-3", await cache.GetPasswordAsync(Ct));
    }
}
