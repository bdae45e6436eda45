using Lakebase.Npgsql;
using Lakebase.Npgsql.Credentials;
using Lakebase.Npgsql.Diagnostics;
using Lakebase.TestUtilities;

namespace Lakebase.Npgsql.Tests.Credentials;

/// <summary>The cache's basic behaviour, on a fake clock: hours of token life pass in milliseconds.</summary>
public sealed class DatabaseCredentialCacheTests : CacheTestBase
{
    private readonly DatabaseCredentialCache _cache;

    public DatabaseCredentialCacheTests() => _cache = NewCache(new CredentialCachePolicy { Jitter = false });

    [Fact]
    public async Task Many_lookups_in_steady_state_make_one_request()
    {
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal("token-1", await _cache.GetPasswordAsync(Ct));
            Assert.Equal("token-1", _cache.GetPassword());
        }

        Assert.Equal(1, _api.Requests);
        Assert.Equal(LakebaseCredentialState.Valid, _cache.GetStatus("u", "s").State);
    }

    [Fact]
    public async Task Fifty_concurrent_lookups_on_an_empty_cache_share_one_request()
    {
        _api.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // Each outer task completes once its lookup has been made (and has joined or started a request), so all 50
        // are in before the answer is released.
        var lookups = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Task.Factory.StartNew(() => _cache.GetPasswordAsync(Ct).AsTask(), Ct, TaskCreationOptions.None, TaskScheduler.Default)));
        _api.Gate.SetResult();

        var passwords = await Task.WhenAll(lookups);
        Assert.All(passwords, p => Assert.Equal("token-1", p));
        Assert.Equal(1, _api.Requests);
    }

    [Fact]
    public async Task The_credential_is_refreshed_in_the_background_before_it_expires()
    {
        Assert.Equal("token-1", await _cache.GetPasswordAsync(Ct));
        var status = _cache.GetStatus("u", "s");
        Assert.Equal(_clock.GetUtcNow() + (Hour * 0.8), status.NextRefreshAt); // without jitter: at 80 % of the lifetime

        _clock.Advance(TimeSpan.FromMinutes(47));
        Assert.Equal(1, _api.Requests);

        _clock.Advance(TimeSpan.FromMinutes(1)); // the refresh point
        await WaitUntil(() => _cache.Generation == 2);

        Assert.Equal(2, _api.Requests);
        Assert.Equal("token-2", await _cache.GetPasswordAsync(Ct));
        Assert.Equal(2, _api.Requests); // the open did not wait on HTTP: the token was already there
    }

    [Fact]
    public async Task A_failing_refresh_keeps_serving_the_valid_credential_and_recovers_when_the_api_is_back()
    {
        await _cache.GetPasswordAsync(Ct);
        _api.Failure = () => FakeCredentialApi.Unavailable();

        _clock.Advance(TimeSpan.FromMinutes(48));
        await WaitUntil(() => _api.Requests == 2 && _cache.GetStatus("u", "s").State == LakebaseCredentialState.RefreshFailing);

        // Stale-while-error: every open still gets the cached, still-valid token.
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal("token-1", await _cache.GetPasswordAsync(Ct));
        }

        // The flight must be over, not only logged: a timer that fires while it still runs skips its turn.
        await WaitUntil(() => _logs.Entries.Any(e => e.EventId.Name == "CredentialRefreshFailedServingCached") && !IsRefreshing(_cache));

        // The background timer retries after a backoff; once the API is back that retry succeeds.
        _api.Failure = null;
        var retryAt = _cache.GetStatus("u", "s").NextRefreshAt!.Value;
        Assert.InRange(retryAt - _clock.GetUtcNow(), TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(30));
        _clock.Advance(retryAt - _clock.GetUtcNow());
        await WaitUntil(() => _cache.Generation == 2);

        Assert.Equal(2, _cache.Generation);
        Assert.StartsWith("token-", await _cache.GetPasswordAsync(Ct));
        Assert.NotEqual("token-1", await _cache.GetPasswordAsync(Ct));
        Assert.Equal(LakebaseCredentialState.Valid, _cache.GetStatus("u", "s").State);
    }

    [Fact]
    public async Task With_the_api_down_and_the_credential_expired_an_open_gets_a_clear_error_then_recovers()
    {
        await _cache.GetPasswordAsync(Ct);
        _api.Failure = () => FakeCredentialApi.Unavailable();
        _clock.Advance(Hour + TimeSpan.FromMinutes(1));

        // Three attempts within the open's connect timeout, 1 s and 2 s apart (backoff without jitter).
        var lookup = _cache.GetPasswordAsync(Ct).AsTask();
        await WaitUntil(() => _api.Requests == 2 && _clock.HasTimerDueIn(TimeSpan.FromSeconds(1)));
        _clock.Advance(TimeSpan.FromSeconds(1));
        await WaitUntil(() => _api.Requests == 3 && _clock.HasTimerDueIn(TimeSpan.FromSeconds(2)));
        _clock.Advance(TimeSpan.FromSeconds(2));
        var error = await Assert.ThrowsAsync<LakebaseCredentialException>(() => lookup);
        Assert.Equal(LakebaseCredentialError.Unavailable, error.Reason);
        Assert.Equal(LakebaseCredentialState.Unavailable, _cache.GetStatus("u", "s").State);

        // Opens fail fast with that error for a backoff window (1 s after one failure, without jitter); then one asks again.
        _api.Failure = null;
        Assert.Same(error, await Assert.ThrowsAsync<LakebaseCredentialException>(() => _cache.GetPasswordAsync(Ct).AsTask()));
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.StartsWith("token-", await _cache.GetPasswordAsync(Ct));
    }

    [Fact]
    public async Task Transient_failures_are_retried_honouring_retry_after_but_configuration_errors_fail_fast()
    {
        _api.Failure = () => FakeCredentialApi.PermissionDenied();
        var denied = await Assert.ThrowsAsync<LakebaseCredentialException>(() => _cache.GetPasswordAsync(Ct).AsTask());
        Assert.Equal(LakebaseCredentialError.PermissionDenied, denied.Reason);
        Assert.Equal(1, _api.Requests); // a 403 is a configuration problem: no retry
        _clock.Advance(TimeSpan.FromSeconds(1)); // past its backoff window (1 s after one failure, without jitter)

        _api.Failure = () => FakeCredentialApi.Unavailable(TimeSpan.FromSeconds(2));
        var lookup = _cache.GetPasswordAsync(Ct).AsTask();
        await WaitUntil(() => _api.Requests == 2 && _clock.HasTimerDueIn(TimeSpan.FromSeconds(2)));
        _api.Failure = null;
        _clock.Advance(TimeSpan.FromSeconds(1.9));
        Assert.False(lookup.IsCompleted); // still waiting out Retry-After: its timer is on the fake clock
        _clock.Advance(TimeSpan.FromSeconds(0.1));
        await lookup;
        Assert.Equal(3, _api.Requests);
    }

    [Fact]
    public async Task A_retry_after_longer_than_an_open_can_wait_is_honoured_by_not_asking_again_until_then()
    {
        _api.Failure = () => FakeCredentialApi.Unavailable(TimeSpan.FromSeconds(30));
        await Assert.ThrowsAsync<LakebaseCredentialException>(() => _cache.GetPasswordAsync(Ct).AsTask());
        Assert.Equal(1, _api.Requests); // no retry inside the open: the workspace asked for 30 s

        _api.Failure = null;
        await Assert.ThrowsAsync<LakebaseCredentialException>(() => _cache.GetPasswordAsync(Ct).AsTask());
        Assert.Equal(1, _api.Requests); // nor from the next open

        _clock.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal("token-2", await _cache.GetPasswordAsync(Ct)); // past Retry-After the next open asks again
        Assert.Equal(2, _api.Requests);
    }

    [Fact]
    public async Task Concurrent_forced_refreshes_for_the_same_rejected_credential_make_one_request()
    {
        await _cache.GetPasswordAsync(Ct);
        var generation = _cache.Generation;
        _api.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // As above: every outer task completes once its forced refresh has joined or started the request.
        var forced = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Factory.StartNew(() => _cache.ForceRefreshAsync(generation, Ct), Ct, TaskCreationOptions.None, TaskScheduler.Default)));
        Assert.Equal(2, _api.Requests);
        _api.Gate.SetResult();
        await Task.WhenAll(forced);

        Assert.Equal(2, _api.Requests);
        Assert.Equal("token-2", await _cache.GetPasswordAsync(Ct));

        // A forced refresh for a credential that was already replaced requests nothing.
        await _cache.ForceRefreshAsync(generation, Ct);
        Assert.Equal(2, _api.Requests);
    }

    [Fact]
    public async Task Status_and_logs_never_show_the_token()
    {
        await _cache.GetPasswordAsync(Ct);
        _api.Failure = () => FakeCredentialApi.Unavailable();
        _clock.Advance(TimeSpan.FromMinutes(48));
        await WaitUntil(() => _api.Requests == 2 && !IsRefreshing(_cache)); // the failure is logged by then

        var status = _cache.GetStatus("user", "source");
        SecretAssert.DoesNotLeak(status.ToString(), ("database token", "token-1"));
        SecretAssert.DoesNotLeak(_logs.AllText(), ("database token", "token-1"));
        Assert.NotEmpty(_logs.Entries);
    }
}
