using Lakebase.Npgsql.Credentials;
using Lakebase.Npgsql.Diagnostics;

namespace Lakebase.Npgsql.Tests.Credentials;

/// <summary>
/// Each refresh rule of issue 11, on a fake clock: what a user observes is the number of credential requests the API
/// sees and whether an open gets a password, an error, or waits.
/// </summary>
public sealed class CredentialCacheRulesTests : CacheTestBase
{
    // ---- Forced refresh: a token bucket, confirmed credentials exempt ----

    [Fact]
    public async Task A_second_revocation_within_30_seconds_is_recovered_because_the_revoked_credential_had_logged_in()
    {
        var cache = NewCache();
        await cache.GetPasswordAsync(Ct);
        for (var revocation = 1; revocation <= 5; revocation++)
        {
            cache.ConfirmLogin(cache.Generation); // a login with it succeeded...
            Assert.True(await cache.ForceRefreshAsync(cache.Generation, Ct)); // ...then it was revoked
            _clock.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(6, _api.Requests); // one per revocation, none refused, all within 5 s
        Assert.Equal("token-6", await cache.GetPasswordAsync(Ct));
    }

    [Fact]
    public async Task Forced_refreshes_of_credentials_that_never_logged_in_are_a_burst_of_two_then_one_per_30_seconds()
    {
        var cache = NewCache();
        await cache.GetPasswordAsync(Ct);

        Assert.True(await cache.ForceRefreshAsync(cache.Generation, Ct));
        Assert.True(await cache.ForceRefreshAsync(cache.Generation, Ct));
        Assert.False(await cache.ForceRefreshAsync(cache.Generation, Ct)); // the burst is spent: refused, nothing requested
        Assert.Equal(3, _api.Requests);

        _clock.Advance(TimeSpan.FromSeconds(29));
        Assert.False(await cache.ForceRefreshAsync(cache.Generation, Ct));
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(await cache.ForceRefreshAsync(cache.Generation, Ct));
        Assert.Equal(4, _api.Requests);
    }

    [Fact]
    public async Task When_the_role_is_missing_a_minute_of_failing_opens_makes_at_most_five_requests()
    {
        var cache = NewCache();

        // Every login fails (no role): each of 20 opens a second asks for a password, is refused and forces a refresh.
        var refused = 0;
        for (var second = 0; second < 60; second++)
        {
            for (var open = 0; open < 20; open++)
            {
                var use = CredentialUse.Begin();
                await cache.GetPasswordAsync(Ct);
                if (!await cache.ForceRefreshAsync(use.Generation, Ct))
                {
                    refused++;
                }
            }

            _clock.Advance(TimeSpan.FromSeconds(1));
        }

        // The first credential, the burst of two, and one per 30 s: 1 + 2 + 2.
        Assert.InRange(_api.Requests, 1, 5);
        Assert.True(refused > 1000);
        Assert.Contains(_logs.Entries, e => e.EventId.Name == "ForcedRefreshRateLimited");
    }

    // ---- Refresh timing ----

    [Fact]
    public async Task Instances_started_together_refresh_at_spread_points_between_50_and_80_percent_of_the_lifetime()
    {
        var start = _clock.GetUtcNow();
        var points = new List<DateTimeOffset>();
        for (var i = 0; i < 40; i++)
        {
            var cache = NewCache(new CredentialCachePolicy { Random = new Random(i) });
            await cache.GetPasswordAsync(Ct);
            points.Add(cache.NextRefreshAt!.Value);
        }

        Assert.All(points, p => Assert.InRange(p, start + (Hour * 0.5), start + (Hour * 0.8)));
        Assert.True(points.Max() - points.Min() > TimeSpan.FromMinutes(12), "refresh points are not spread");
        Assert.True(points.Distinct().Count() > 35);
    }

    [Fact]
    public async Task Without_jitter_every_instance_refreshes_at_80_percent()
    {
        var cache = NewCache(new CredentialCachePolicy { Jitter = false });
        await cache.GetPasswordAsync(Ct);
        Assert.Equal(_clock.GetUtcNow() + (Hour * 0.8), cache.NextRefreshAt);
    }

    [Fact]
    public async Task A_retry_after_longer_than_the_credential_lasts_is_cut_so_the_retry_lands_before_it_stops_being_usable()
    {
        var cache = NewCache(new CredentialCachePolicy { Jitter = false });
        await cache.GetPasswordAsync(Ct); // usable until 59:30, refreshed at 48:00
        _api.Failure = () => FakeCredentialApi.RateLimited(TimeSpan.FromMinutes(30));

        _clock.Advance(TimeSpan.FromMinutes(48));
        await WaitUntil(() => _api.Requests == 2 && cache.NextRefreshAt is not null && !IsRefreshing(cache));

        // 11:30 of use left: the retry comes after half of it, not after the 30 minutes asked for.
        var retryAt = cache.NextRefreshAt!.Value;
        Assert.InRange(retryAt - _clock.GetUtcNow(), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(6));
        Assert.Equal("token-1", await cache.GetPasswordAsync(Ct));

        _api.Failure = null;
        _clock.Advance(retryAt - _clock.GetUtcNow());
        await WaitUntil(() => cache.Generation == 2);
        Assert.Equal("token-3", await cache.GetPasswordAsync(Ct));
    }

    [Fact]
    public async Task Background_refresh_pauses_while_no_connection_is_opened_and_resumes_on_the_next_open()
    {
        var cache = NewCache(new CredentialCachePolicy { Jitter = false });
        await cache.GetPasswordAsync(Ct);
        _clock.Advance(TimeSpan.FromMinutes(48)); // opened since: refreshed
        await WaitUntil(() => cache.Generation == 2 && !IsRefreshing(cache)); // stored, and the flight over: the timer would skip a running one

        _clock.Advance(TimeSpan.FromMinutes(48)); // nothing opened since: paused
        AssertNothingRequested(cache, 2);
        Assert.Null(cache.NextRefreshAt);
        Assert.Contains(_logs.Entries, e => e.EventId.Name == "BackgroundRefreshPaused");

        _clock.Advance(TimeSpan.FromMinutes(4)); // token-2 still usable: served at once, refresh started behind it
        Assert.Equal("token-2", await cache.GetPasswordAsync(Ct));
        await WaitUntil(() => cache.Generation == 3);
        Assert.Equal(3, _api.Requests);
        Assert.NotNull(cache.NextRefreshAt);
    }

    [Fact]
    public async Task After_a_non_transient_error_the_background_stops_until_the_next_open()
    {
        var cache = NewCache(new CredentialCachePolicy { Jitter = false });
        await cache.GetPasswordAsync(Ct);
        _api.Failure = () => FakeCredentialApi.PermissionDenied();

        _clock.Advance(TimeSpan.FromMinutes(48));
        await WaitUntil(() => _api.Requests == 2 && cache.GetStatus("u", "s").LastError is not null && !IsRefreshing(cache)); // failed and recorded
        for (var i = 0; i < 10; i++)
        {
            _clock.Advance(TimeSpan.FromSeconds(60));
            AssertNothingRequested(cache, 2); // ten minutes without an open: no retry
        }

        Assert.Contains(_logs.Entries, e => e.EventId.Name == "BackgroundRefreshStopped");

        _api.Failure = null;
        Assert.Equal("token-1", await cache.GetPasswordAsync(Ct)); // still usable: served; this open restarts the refresh
        await WaitUntil(() => cache.Generation == 2);
        Assert.Equal(3, _api.Requests);
    }

    // ---- Waits: bounded by the connect timeout, cancellable, sync path included ----

    [Fact]
    public async Task An_async_open_waits_at_most_the_connect_timeout_for_a_hung_api()
    {
        var cache = NewCache(new CredentialCachePolicy { ConnectTimeout = TimeSpan.FromSeconds(5) });
        _api.Gate = new TaskCompletionSource(); // never answers

        var open = cache.GetPasswordAsync(Ct).AsTask(); // its 5 s wait is armed before this returns
        await WaitUntil(() => _api.Requests == 1);
        var fired = _clock.TimersFired;
        _clock.Advance(TimeSpan.FromSeconds(4.9));
        Assert.Equal(fired, _clock.TimersFired); // no deadline passed, so nothing can end the open (the API never answers)
        Assert.False(open.IsCompleted);

        _clock.Advance(TimeSpan.FromSeconds(0.1));
        var error = await Assert.ThrowsAsync<LakebaseCredentialException>(() => open);
        Assert.Equal(LakebaseCredentialError.Unavailable, error.Reason);
        Assert.Contains("connect timeout", error.Message, StringComparison.Ordinal);
        await WaitUntil(() => _api.LastRequestCancelled); // the request itself was abandoned at the deadline too
    }

    [Fact]
    public async Task A_synchronous_open_waits_at_most_the_connect_timeout_for_a_hung_api()
    {
        var cache = NewCache(new CredentialCachePolicy { ConnectTimeout = TimeSpan.FromSeconds(5) });
        _api.Gate = new TaskCompletionSource();

        var openThread = 0;
        var open = Task.Run(
            () =>
            {
                Volatile.Write(ref openThread, Environment.CurrentManagedThreadId);
                return cache.GetPassword();
            },
            Ct);

        // The blocked caller's own 5 s wait must exist before the clock moves past it.
        await WaitUntil(() => _api.Requests == 1 && _clock.HasTimerDueIn(TimeSpan.FromSeconds(5), Volatile.Read(ref openThread)));
        _clock.Advance(TimeSpan.FromSeconds(5));
        await Assert.ThrowsAsync<LakebaseCredentialException>(() => open.WaitAsync(TimeSpan.FromSeconds(5), Ct));
    }

    [Fact]
    public async Task A_forced_refresh_waits_at_most_the_connect_timeout_and_an_open_can_be_cancelled()
    {
        var cache = NewCache(new CredentialCachePolicy { ConnectTimeout = TimeSpan.FromSeconds(5) });
        await cache.GetPasswordAsync(Ct);
        _api.Gate = new TaskCompletionSource();

        var forced = cache.ForceRefreshAsync(cache.Generation, Ct);
        await WaitUntil(() => _api.Requests == 2);
        _clock.Advance(TimeSpan.FromSeconds(5));
        await Assert.ThrowsAsync<LakebaseCredentialException>(() => forced.WaitAsync(TimeSpan.FromSeconds(5), Ct));

        using var cancel = new CancellationTokenSource();
        var open = cache.GetPasswordAsync(cancel.Token).AsTask();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => open.WaitAsync(TimeSpan.FromSeconds(5), Ct));
    }

    [Fact]
    public async Task Transient_failures_are_retried_only_while_the_connect_timeout_allows()
    {
        var cache = NewCache(new CredentialCachePolicy { ConnectTimeout = TimeSpan.FromSeconds(6), Random = new FixedRandom(0.5) });
        _api.Failure = () => FakeCredentialApi.RateLimited(TimeSpan.FromSeconds(4));

        // 4 s asked, 6 s budget: the retry comes after the 4 s plus jitter over most of the 2 s left (half of 1.8 s here).
        var open = cache.GetPasswordAsync(Ct).AsTask();
        await WaitUntil(() => _api.Requests == 1);
        await WaitUntil(() => _clock.HasTimerDueIn(TimeSpan.FromSeconds(4.9)));
        _clock.Advance(TimeSpan.FromSeconds(4.9));
        await WaitUntil(() => _api.Requests == 2);

        // Refused again: the open fails now instead of overrunning its connect timeout or asking a third time.
        var error = await Assert.ThrowsAsync<LakebaseCredentialException>(() => open.WaitAsync(TimeSpan.FromSeconds(5), Ct));
        Assert.Equal(LakebaseCredentialError.RateLimited, error.Reason);
        Assert.Equal(2, _api.Requests);
    }

    [Fact]
    public async Task A_refresh_that_answers_after_disposal_schedules_nothing_and_nothing_is_requested_afterwards()
    {
        var cache = NewCache();
        _api.Gate = new TaskCompletionSource();
        _api.HonoursCancellation = false;
        var open = cache.GetPasswordAsync(Ct).AsTask();
        await WaitUntil(() => _api.Requests == 1);

        await cache.DisposeAsync();
        _api.Gate.SetResult(); // the response arrives after all
        await WaitUntil(() => _api.Answers == 1 && open.IsCompleted);

        Assert.Null(cache.NextRefreshAt); // no timer armed on a disposed cache
        _clock.Advance(TimeSpan.FromHours(3));
        AssertNothingRequested(cache, 1);
    }

    [Fact]
    public async Task An_open_waiting_on_a_refresh_when_the_cache_is_disposed_fails_with_ObjectDisposedException()
    {
        var cache = NewCache();
        _api.Gate = new TaskCompletionSource();
        var open = cache.GetPasswordAsync(Ct).AsTask();
        await WaitUntil(() => _api.Requests == 1);

        // The data source went away under the open: it says so, not that the open was cancelled (it was not).
        await cache.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => open.WaitAsync(TimeSpan.FromSeconds(10), Ct));
    }

    [Fact]
    public async Task A_forced_refresh_and_a_prefetch_waiting_when_the_cache_is_disposed_fail_with_ObjectDisposedException()
    {
        var cache = NewCache();
        await cache.GetPasswordAsync(Ct);
        _api.Gate = new TaskCompletionSource();

        // A login found the credential rejected (the forced refresh evicts it) and the readiness probe joins that refresh.
        var forced = cache.ForceRefreshAsync(cache.Generation, Ct);
        await WaitUntil(() => _api.Requests == 2);
        var prefetch = cache.PrefetchAsync(Ct);
        Assert.False(prefetch.IsCompleted);

        await cache.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => forced.WaitAsync(TimeSpan.FromSeconds(10), Ct));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => prefetch.WaitAsync(TimeSpan.FromSeconds(10), Ct));

        // After disposal a probe gets the same answer at once, without starting a request.
        var late = cache.PrefetchAsync(Ct);
        Assert.True(late.IsFaulted);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => late);
        AssertNothingRequested(cache, 2);
    }

    // ---- Clock: lazy mode, waking from a long suspend ----

    [Fact]
    public async Task In_lazy_mode_no_timer_runs_and_the_first_open_past_the_refresh_point_refreshes_without_waiting()
    {
        var cache = NewCache(new CredentialCachePolicy { Mode = LakebaseRefreshMode.Lazy, Jitter = false });
        await cache.GetPasswordAsync(Ct);
        Assert.Null(cache.NextRefreshAt);

        _clock.Advance(TimeSpan.FromMinutes(50)); // past the refresh point: nothing happens by itself
        AssertNothingRequested(cache, 1);

        _api.Gate = new TaskCompletionSource();
        Assert.Equal("token-1", await cache.GetPasswordAsync(Ct)); // served at once, the refresh runs behind it
        await WaitUntil(() => _api.Requests == 2);
        _api.Gate.SetResult();
        await WaitUntil(() => cache.Generation == 2 && !IsRefreshing(cache)); // else the next open would join the finished flight
        Assert.Equal("token-2", await cache.GetPasswordAsync(Ct));

        _clock.Advance(TimeSpan.FromHours(2)); // token-2 has expired: the next open fetches in the foreground
        Assert.Equal("token-3", await cache.GetPasswordAsync(Ct));
    }

    [Fact]
    public async Task After_a_long_suspend_an_expired_credential_is_never_served_and_the_open_waits_for_a_fresh_one()
    {
        var cache = NewCache(new CredentialCachePolicy { Jitter = false });
        await cache.GetPasswordAsync(Ct);
        _api.Gate = new TaskCompletionSource();

        // The process was frozen for three hours: the clock jumps, the refresh timer fires late.
        _clock.Advance(TimeSpan.FromHours(3));
        var asyncOpen = cache.GetPasswordAsync(Ct).AsTask();
        Assert.False(asyncOpen.IsCompleted); // a served credential would have completed it synchronously
        var syncThread = 0;
        var syncOpen = Task.Run(
            () =>
            {
                Volatile.Write(ref syncThread, Environment.CurrentManagedThreadId);
                return cache.GetPassword();
            },
            Ct);

        // The blocked caller arms its connect-timeout wait only when nothing usable is cached: it is waiting, not served.
        await WaitUntil(() => _clock.HasTimerDueIn(LakebaseConnectionDefaults.ConnectTimeout, Volatile.Read(ref syncThread)));
        Assert.False(syncOpen.IsCompleted);

        _api.Gate.SetResult();
        Assert.Equal("token-2", await asyncOpen);
        Assert.Equal("token-2", await syncOpen);
        Assert.Equal(2, _api.Requests); // the late timer and both opens shared one request
    }
}
