using System.Diagnostics;
using Lakebase.Npgsql.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Lakebase.Npgsql.Credentials;

/// <summary>
/// Holds the database credential one data source logs in with. In steady state a connection open is a field read and a
/// clock read: the credential is refreshed ahead of its expiry, at a jittered fraction of its lifetime. Concurrent
/// misses share one request (single flight); a failing refresh keeps serving the still-valid credential; a login the
/// server rejected forces a replacement (<see cref="ForceRefreshAsync"/>), rate-limited unless the rejected credential
/// had already logged in. Every wait of an open is bounded by the connect timeout.
/// </summary>
internal sealed class DatabaseCredentialCache : IAsyncDisposable
{
    private const string Initial = "initial";
    private const string Forced = "forced";
    private const string Background = "background";
    private const string Ahead = "ahead";

    // An open waiting on the API tries a few times, and only as long as its connect timeout allows.
    private const int ForegroundAttempts = 3;
    private static readonly TimeSpan MaxBackgroundDelay = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan MaxRetryAfter = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan MinRetryDelay = TimeSpan.FromSeconds(1);

    // Between "usable until" and the real expiry a credential is only served when the API is failing.
    private static readonly TimeSpan MinRemainingForStaleUse = TimeSpan.FromSeconds(5);

    private readonly Func<CancellationToken, Task<DatabaseCredential>> _fetch;
    private readonly TimeProvider _time;
    private readonly CredentialCachePolicy _policy;
    private readonly ILogger _logger;
    private readonly string _target;
    private readonly ITimer? _refreshTimer;
    private readonly ForcedRefreshBudget _forcedBudget;
    private readonly CancellationTokenSource _disposed = new();
    private readonly object _gate = new();
    private bool _closed;

    // What opens are served from without the lock; null when there is none or a forced refresh evicted it.
    private volatile DatabaseCredential? _serving;

    // Hot-path flags, read without the lock: an open since the last refresh attempt (1/0), the in-flight refresh, and
    // when the next refresh may start after a failure (UTC ticks).
    private int _usedSinceRefresh;
    private volatile TaskCompletionSource<DatabaseCredential>? _inflight;
    private long _retryNotBeforeTicks;
    private long _confirmedGeneration;

    private DatabaseCredential? _current;
    private long _generation;
    private int _consecutiveFailures;
    private long _requests;
    private string? _lastError;
    private DateTimeOffset? _lastRefreshedAt;
    private DateTimeOffset? _nextRefreshAt;
    private DateTimeOffset _notBefore;
    private Exception? _lastFailure;

    /// <summary>The original shape (benchmarks): default policy with a given refresh lead.</summary>
    public DatabaseCredentialCache(Func<CancellationToken, Task<DatabaseCredential>> fetch, string target, TimeSpan refreshBeforeExpiry, TimeProvider timeProvider, ILogger logger)
        : this(fetch, target, new CredentialCachePolicy { MinimumRefreshLead = refreshBeforeExpiry }, timeProvider, logger)
    {
    }

    public DatabaseCredentialCache(Func<CancellationToken, Task<DatabaseCredential>> fetch, string target, CredentialCachePolicy policy, TimeProvider timeProvider, ILogger logger)
    {
        _fetch = fetch;
        _target = target;
        _policy = policy;
        _time = timeProvider;
        _logger = logger;
        _forcedBudget = new ForcedRefreshBudget(policy.ForcedRefreshBurst, policy.ForcedRefreshInterval, timeProvider.GetUtcNow());
        if (policy.Mode == LakebaseRefreshMode.Background)
        {
            _refreshTimer = timeProvider.CreateTimer(_ => OnRefreshDue(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }

        LakebaseTelemetry.Track(this);
    }

    /// <summary>What the credential is for, as shown in logs, status and metrics.</summary>
    public string Target => _target;

    /// <summary>Bumped every time a new credential is stored; lets a failed open tell whether someone already replaced the one it used.</summary>
    public long Generation => Interlocked.Read(ref _generation);

    /// <summary>Whether a credential request is running (for simulations that wait for quiet before moving a fake clock).</summary>
    internal bool IsRefreshing => _inflight is not null;

    /// <summary>When the background timer will next refresh; null when it is paused, stopped or in lazy mode.</summary>
    internal DateTimeOffset? NextRefreshAt
    {
        get
        {
            lock (_gate)
            {
                return _nextRefreshAt;
            }
        }
    }

    /// <summary>The current credential's time left and age, for the gauges; null values when there is none.</summary>
    public Timing GetTiming()
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            return _current is { } current ? new Timing(current.ExpiresAt - now, now - current.IssuedAt) : default;
        }
    }

    /// <summary>The password for a new physical connection (synchronous opens); waits at most the connect timeout.</summary>
    public string GetPassword() =>
        TryServeCached() ?? GetPasswordSlowAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();

    /// <summary>The password for a new physical connection: a field read unless no usable credential is cached.</summary>
    public ValueTask<string> GetPasswordAsync(CancellationToken cancellationToken) =>
        TryServeCached() is { } password ? new ValueTask<string>(password) : GetPasswordSlowAsync(cancellationToken);

    /// <summary>
    /// Records that a login with credential <paramref name="generation"/> succeeded: from now on a rejection of it means
    /// it was revoked, not that the role is wrong, so forcing its replacement is never rate-limited. Called only for
    /// opens that asked for a password (new physical connections), so pooled opens pay nothing.
    /// </summary>
    public void ConfirmLogin(long generation)
    {
        if (generation > Interlocked.Read(ref _confirmedGeneration))
        {
            Interlocked.Exchange(ref _confirmedGeneration, generation);
        }
    }

    /// <summary>
    /// Replaces a credential the server rejected. If the rejected credential (<paramref name="rejectedGeneration"/>)
    /// has already been replaced (another open got there first), nothing is requested. A credential no login has
    /// succeeded with is replaced only while the forced-refresh budget lasts (a burst, then one per interval); past it
    /// this returns false at once, requesting nothing. Waits at most the connect timeout.
    /// </summary>
    public async Task<bool> ForceRefreshAsync(long rejectedGeneration, CancellationToken cancellationToken)
    {
        Task<DatabaseCredential> refresh;
        lock (_gate)
        {
            if (_generation != rejectedGeneration && IsUsable(_current))
            {
                return true;
            }

            if (_inflight is { } running)
            {
                refresh = running.Task;
            }
            else
            {
                var confirmed = rejectedGeneration > 0 && Interlocked.Read(ref _confirmedGeneration) == rejectedGeneration;
                if (!confirmed && !_forcedBudget.TryTake(_time.GetUtcNow()))
                {
                    LakebaseLog.ForcedRefreshRateLimited(_logger, _target, _policy.ForcedRefreshInterval);
                    return false;
                }

                // Opens arriving now wait for the replacement instead of trying the rejected token, and a failing
                // refresh must not fall back to it as "stale but valid".
                _serving = null;
                if (_current?.Generation == rejectedGeneration)
                {
                    _current = null;
                }

                refresh = StartOrJoinRefresh(Forced);
            }
        }

        try
        {
            await refresh.WaitAsync(_policy.ConnectTimeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException e)
        {
            throw TimedOut(e);
        }

        return true;
    }

    public LakebaseCredentialStatus GetStatus(string user, string source)
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            var state = _current is null && _lastError is null ? LakebaseCredentialState.NotRequested
                : _current is null || _current.ExpiresAt <= now ? LakebaseCredentialState.Unavailable
                : _lastError is not null ? LakebaseCredentialState.RefreshFailing
                : LakebaseCredentialState.Valid;
            return new LakebaseCredentialStatus(_target, user, source, state, _current?.ExpiresAt, _lastRefreshedAt, _nextRefreshAt, Interlocked.Read(ref _requests), _lastError);
        }
    }

    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            // Under the lock: a refresh finishing now either scheduled its timer before this (the timer is disposed
            // below) or sees _closed and schedules nothing on a disposed timer.
            if (_closed)
            {
                return;
            }

            _closed = true;
        }

        LakebaseTelemetry.Untrack(this);
        await _disposed.CancelAsync().ConfigureAwait(false);
        if (_refreshTimer is not null)
        {
            await _refreshTimer.DisposeAsync().ConfigureAwait(false);
        }

        _disposed.Dispose();
    }

    // The hot path: no lock, no allocation. Never hands out a credential past "usable until", however late a timer
    // fired or however long the process was suspended.
    private string? TryServeCached()
    {
        var credential = _serving;
        if (credential is null)
        {
            return null;
        }

        var now = _time.GetUtcNow();
        if (now >= credential.UsableUntil)
        {
            return null;
        }

        if (Volatile.Read(ref _usedSinceRefresh) == 0)
        {
            Volatile.Write(ref _usedSinceRefresh, 1);
        }

        // Past the refresh point and nothing running: the timer is paused (idle data source), stopped (after a
        // non-transient error), late (throttled CPU) or absent (lazy mode). Start the refresh; this open does not wait.
        if (now >= credential.RefreshAt && _inflight is null && now.UtcTicks >= Interlocked.Read(ref _retryNotBeforeTicks))
        {
            RefreshAhead();
        }

        return Serve(credential);
    }

    private void RefreshAhead()
    {
        lock (_gate)
        {
            if (_disposed.IsCancellationRequested || _inflight is not null)
            {
                return;
            }

            // Failures are logged and rescheduled inside the refresh; nobody awaits it.
            StartOrJoinRefresh(Ahead).ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
        }
    }

    private async ValueTask<string> GetPasswordSlowAsync(CancellationToken cancellationToken)
    {
        Task<DatabaseCredential> refresh;
        lock (_gate)
        {
            // Stored since this open looked (a refresh finished in between): no need to ask again.
            if (_serving is { } stored && _time.GetUtcNow() < stored.UsableUntil)
            {
                Volatile.Write(ref _usedSinceRefresh, 1);
                return Serve(stored);
            }

            refresh = StartOrJoinRefresh(Initial);
        }

        try
        {
            var credential = await refresh.WaitAsync(_policy.ConnectTimeout, _time, cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _usedSinceRefresh, 1);
            return Serve(credential);
        }
        catch (Exception e) when (e is LakebaseCredentialException or TimeoutException && TryGetStillValid(out var stale))
        {
            // Past "usable until" but not yet expired, and the API is failing: better than no connection at all.
            return Serve(stale);
        }
        catch (TimeoutException e)
        {
            throw TimedOut(e);
        }
    }

    private static string Serve(DatabaseCredential credential)
    {
        CredentialUse.Record(credential);
        return credential.Token;
    }

    // Called under _gate. Returns the running refresh or starts one; the work runs outside the lock.
    private Task<DatabaseCredential> StartOrJoinRefresh(string trigger)
    {
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        if (_inflight is { } running)
        {
            return running.Task;
        }

        // The workspace asked us to wait (Retry-After) and there is nothing to serve: answer opens with its last
        // error instead of asking again.
        var now = _time.GetUtcNow();
        if (trigger is Initial or Forced && _lastFailure is not null && now < _notBefore)
        {
            return Task.FromException<DatabaseCredential>(_lastFailure);
        }

        // Someone waits on a refresh when there is no usable credential, whatever started it (a timer that fired late
        // after a suspend, say): then it gets the foreground's retries and deadline.
        var foreground = trigger is Initial or Forced || !IsUsable(_current);
        var completion = new TaskCompletionSource<DatabaseCredential>(TaskCreationOptions.RunContinuationsAsynchronously);
        _inflight = completion;
        Volatile.Write(ref _usedSinceRefresh, 0);
        _nextRefreshAt = null;
        _ = Task.Run(() => RefreshAsync(completion, trigger, foreground));
        return completion.Task;
    }

    private async Task RefreshAsync(TaskCompletionSource<DatabaseCredential> completion, string trigger, bool foreground)
    {
        using var activity = LakebaseTelemetry.ActivitySource.StartActivity("lakebase.credential.refresh");
        activity?.SetTag("lakebase.endpoint", _target);
        activity?.SetTag("lakebase.trigger", trigger);
        try
        {
            var fetched = await FetchAsync(trigger, foreground).ConfigureAwait(false);
            DatabaseCredential credential;
            lock (_gate)
            {
                var fraction = _policy.Jitter
                    ? _policy.EarliestRefreshFraction + (_policy.Random.NextDouble() * (_policy.LatestRefreshFraction - _policy.EarliestRefreshFraction))
                    : _policy.LatestRefreshFraction;
                credential = fetched with
                {
                    Generation = _generation + 1,
                    RefreshAt = fetched.RefreshPoint(fraction, _policy.MinimumRefreshLead),
                };

                // Under the lock, so a concurrent forced refresh cannot evict this fresh entry as if it were the rejected one.
                _serving = credential;
                _lastFailure = null;
                _current = credential;
                _generation = credential.Generation;
                _consecutiveFailures = 0;
                _lastError = null;
                _lastRefreshedAt = credential.IssuedAt;
                Interlocked.Exchange(ref _retryNotBeforeTicks, 0);
                _inflight = null;
                ScheduleRefresh(credential.RefreshAt);
            }

            LakebaseLog.CredentialRefreshed(_logger, _target, trigger, credential.ExpiresAt, credential.RefreshAt);
            completion.SetResult(credential);
        }
        catch (Exception e)
        {
            activity?.SetStatus(ActivityStatusCode.Error, e.GetType().Name);
            OnRefreshFailed(e);
            completion.SetException(e);
        }
    }

    private void OnRefreshFailed(Exception e)
    {
        var credentialError = e as LakebaseCredentialException;
        var transient = credentialError?.IsTransient == true;
        TimeSpan retryIn;
        DatabaseCredential? current;
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            _inflight = null;
            _lastError = e.Message;
            _lastFailure = e;
            _consecutiveFailures++;
            current = _current;
            retryIn = Backoff(_consecutiveFailures, credentialError?.RetryAfter, MaxBackgroundDelay);

            // Honour Retry-After, but not past the point where the credential in hand stops being usable: half the
            // time left each round, so the last tries still land before it runs out.
            if (current is not null && current.UsableUntil - now is var left && left > TimeSpan.Zero && retryIn > left / 2)
            {
                retryIn = Max(left / 2, MinRetryDelay);
            }

            _notBefore = credentialError?.RetryAfter is not null ? now + retryIn : default;
            Interlocked.Exchange(ref _retryNotBeforeTicks, (now + retryIn).UtcTicks);

            // A transient failure is retried by the timer; after any other (permission, configuration) the timer stops
            // and the next open past the back-off tries again: nothing hammers the API while nobody connects.
            if (transient && !_disposed.IsCancellationRequested)
            {
                ScheduleRefresh(now + retryIn);
            }
        }

        if (_disposed.IsCancellationRequested)
        {
            return;
        }

        var reason = credentialError?.Reason ?? LakebaseCredentialError.Unknown;
        if (current is not null && current.ExpiresAt > _time.GetUtcNow())
        {
            LakebaseLog.CredentialRefreshFailedServingCached(_logger, _target, reason, current.UsableUntil, retryIn, e);
        }
        else
        {
            LakebaseLog.CredentialRefreshFailed(_logger, _target, reason, retryIn, e);
        }

        if (!transient)
        {
            LakebaseLog.BackgroundRefreshStopped(_logger, _target, reason);
        }
    }

    private async Task<DatabaseCredential> FetchAsync(string trigger, bool foreground)
    {
        // A foreground refresh (someone waits) is bounded as a whole by the connect timeout: the workspace token, every
        // attempt and every delay. A background one makes a single attempt, bounded by the client's own timeout.
        using var deadline = foreground ? new CancellationTokenSource(_policy.ConnectTimeout, _time) : null;
        using var linked = deadline is null ? null : CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, _disposed.Token);
        var cancellationToken = linked?.Token ?? _disposed.Token;
        var budgetStart = _time.GetTimestamp();
        var attempts = foreground ? ForegroundAttempts : 1;
        for (var attempt = 1; ; attempt++)
        {
            var started = _time.GetTimestamp();
            Interlocked.Increment(ref _requests);
            try
            {
                var credential = await _fetch(cancellationToken).ConfigureAwait(false);
                LakebaseTelemetry.RecordCredentialRequest(trigger, succeeded: true, _time.GetElapsedTime(started).TotalSeconds);
                return credential;
            }
            catch (OperationCanceledException e) when (deadline?.IsCancellationRequested == true && !_disposed.IsCancellationRequested)
            {
                LakebaseTelemetry.RecordCredentialRequest(trigger, succeeded: false, _time.GetElapsedTime(started).TotalSeconds);
                throw TimedOut(e);
            }
            catch (Exception e)
            {
                LakebaseTelemetry.RecordCredentialRequest(trigger, succeeded: false, _time.GetElapsedTime(started).TotalSeconds);
                var left = _policy.ConnectTimeout - _time.GetElapsedTime(budgetStart);
                if (e is not LakebaseCredentialException { IsTransient: true } transient || attempt >= attempts)
                {
                    throw;
                }

                // A Retry-After (or back-off) longer than the open can still wait is honoured by not retrying now.
                var delay = Backoff(attempt, transient.RetryAfter, _policy.ConnectTimeout);
                if (delay >= left)
                {
                    throw;
                }

                LakebaseLog.CredentialRequestRetrying(_logger, _target, transient.Reason, attempt, attempts, delay);
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private void OnRefreshDue()
    {
        lock (_gate)
        {
            if (_disposed.IsCancellationRequested || _inflight is not null)
            {
                return;
            }

            _nextRefreshAt = null;

            // Nobody opened a connection since the last refresh: pause until someone does (the next open past the
            // refresh point restarts it, or fetches in the foreground if the credential ran out meanwhile).
            if (Volatile.Read(ref _usedSinceRefresh) == 0)
            {
                LakebaseLog.BackgroundRefreshPaused(_logger, _target);
                return;
            }

            // A timer callback already on its way when a new credential was stored: not due yet.
            if (_current is { } current && _lastFailure is null && _time.GetUtcNow() < current.RefreshAt)
            {
                ScheduleRefresh(current.RefreshAt);
                return;
            }

            // Failures are logged and rescheduled inside the refresh; nobody awaits a background refresh.
            StartOrJoinRefresh(Background).ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
        }
    }

    // Called under _gate.
    private void ScheduleRefresh(DateTimeOffset at)
    {
        if (_refreshTimer is null || _closed)
        {
            return;
        }

        var due = at - _time.GetUtcNow();
        _nextRefreshAt = at;
        _refreshTimer.Change(due > TimeSpan.Zero ? due : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
    }

    private bool IsUsable(DatabaseCredential? credential) => credential is not null && credential.UsableUntil > _time.GetUtcNow();

    private bool TryGetStillValid(out DatabaseCredential credential)
    {
        lock (_gate)
        {
            credential = _current!;
            return _current is not null && _current.ExpiresAt - _time.GetUtcNow() > MinRemainingForStaleUse;
        }
    }

    private LakebaseCredentialException TimedOut(Exception inner) =>
        new(
            LakebaseCredentialError.Unavailable,
            $"Could not obtain a database credential for {_target} within the connect timeout ({_policy.ConnectTimeout.TotalSeconds:0.#} s): the workspace API is slow or unreachable. Raise ConnectTimeout if this is expected, or check the network path to DATABRICKS_HOST.",
            innerException: inner);

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    // Retry-After is honoured as asked (up to 10 minutes); without it, exponential backoff capped at max.
    private static TimeSpan Backoff(int attempt, TimeSpan? retryAfter, TimeSpan max)
    {
        if (retryAfter is { } asked && asked > TimeSpan.Zero)
        {
            return asked < MaxRetryAfter ? asked : MaxRetryAfter;
        }

        // Exponential from 500 ms with +-20 % jitter, so many instances recovering together don't retry in step.
        var exponential = TimeSpan.FromMilliseconds(500 * Math.Pow(2, Math.Min(attempt - 1, 10)));
        var jittered = exponential * (0.8 + (Random.Shared.NextDouble() * 0.4));
        return jittered < max ? jittered : max;
    }

    /// <summary>The current credential's time left and age.</summary>
    public readonly record struct Timing(TimeSpan? TimeToExpiry, TimeSpan? Age);
}
