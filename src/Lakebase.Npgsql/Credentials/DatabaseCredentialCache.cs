using Lakebase.Npgsql.Diagnostics;
using Lakebase.Npgsql.Resilience;
using Microsoft.Extensions.Logging;

namespace Lakebase.Npgsql.Credentials;

/// <summary>
/// Holds the database credential one data source logs in with. In steady state a connection open is a field read and a
/// clock read: the credential is refreshed ahead of its expiry, at a jittered fraction of its lifetime
/// (<see cref="RefreshSchedule"/>). Concurrent misses share one request and failures are remembered for a backoff
/// window (<see cref="SingleFlight{T}"/>); a failing refresh keeps serving the still-valid credential; a login the
/// server rejected forces a replacement (<see cref="ForceRefreshAsync"/>), rate-limited unless the rejected credential
/// had already logged in. Every wait of an open is bounded by the connect timeout.
/// </summary>
internal sealed partial class DatabaseCredentialCache : IAsyncDisposable, ICredentialGaugeSource
{
    private const string Initial = "initial";
    private const string Forced = "forced";
    private const string Background = "background";
    private const string Ahead = "ahead";

    // A background refresh has no open waiting on it, but a fetch that hangs must still end.
    private static readonly TimeSpan MinBackgroundDeadline = TimeSpan.FromMinutes(1);

    // Timers run on a coarser monotonic clock (15.6 ms ticks on Windows), a remembered window on the wall clock:
    // waiting out exactly what is left of it can wake just before it ends and find it still shut, and that one more
    // try is the last. Without jitter nothing else adds a margin.
    private static readonly TimeSpan WindowSlack = TimeSpan.FromMilliseconds(50);

    private readonly TimeProvider _time;
    private readonly CredentialCachePolicy _policy;
    private readonly ILogger _logger;
    private readonly CredentialState _state;
    private readonly RefreshSchedule _schedule;
    private readonly CredentialRequests _requests;
    private readonly SingleFlight<DatabaseCredential> _refresh;
    private readonly ForcedRefreshBudget _forcedBudget;
    private readonly IDisposable _gauges;
    private readonly CancellationTokenSource _disposed = new();
    private string _trigger = Initial;
    private bool _foregroundFlight;
    private bool _closed;

    public DatabaseCredentialCache(Func<CancellationToken, Task<DatabaseCredential>> fetch, string target, CredentialCachePolicy policy, TimeProvider timeProvider, ILogger logger)
    {
        Target = target;
        _policy = policy;
        _time = timeProvider;
        _logger = logger;
        _state = new CredentialState(timeProvider);
        _requests = new CredentialRequests(fetch, policy, _state, timeProvider, logger, target);
        _refresh = new SingleFlight<DatabaseCredential>(timeProvider, (_, e) => TimedOut(e), Store, OnRefreshFailed);
        _schedule = new RefreshSchedule(policy.Mode == LakebaseRefreshMode.Background, timeProvider, _state, () => _refresh.IsRunning, () => StartInBackground(Background), logger, target);
        _forcedBudget = new ForcedRefreshBudget(policy.ForcedRefreshBurst, policy.ForcedRefreshInterval, timeProvider.GetUtcNow());
        _gauges = LakebaseTelemetry.ObserveCredential(this);
    }

    /// <summary>What the credential is for, as shown in logs, status and metrics.</summary>
    public string Target { get; }

    /// <summary>Bumped every time a new credential is stored; lets a failed open tell whether someone already replaced the one it used.</summary>
    public long Generation => _state.Generation;

    /// <summary>When the background timer will next refresh; null when it is paused, stopped or in lazy mode.</summary>
    internal DateTimeOffset? NextRefreshAt => _schedule.NextRefreshAt;

    /// <summary>The current credential's time left and age, for the gauges; null values when there is none.</summary>
    public Timing GetTiming() => _state.Timing();

    CredentialGauge ICredentialGaugeSource.Read() => GetTiming() is var timing ? new CredentialGauge(Target, timing.TimeToExpiry, timing.Age) : default;

    /// <summary>The password for a new physical connection (synchronous opens); waits at most the connect timeout.</summary>
    public string GetPassword() =>
        TryServeCached() ?? Serve(GetSlowAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult());

    /// <summary>The password for a new physical connection: a field read unless no usable credential is cached.</summary>
    public ValueTask<string> GetPasswordAsync(CancellationToken cancellationToken) =>
        TryServeCached() is { } password ? new ValueTask<string>(password) : ServeAsync(GetSlowAsync(cancellationToken));

    /// <summary>The credential for a caller that waits on it as an open does (cached, else fetched within the connect timeout).</summary>
    public ValueTask<DatabaseCredential> GetCredentialAsync(CancellationToken cancellationToken) =>
        TryServeCached() is not null && _state.Serving is { } served ? new ValueTask<DatabaseCredential>(served) : GetSlowAsync(cancellationToken);

    /// <summary>
    /// Records that a login with credential <paramref name="generation"/> succeeded: from now on a rejection of it means
    /// it was revoked, not that the role is wrong, so forcing its replacement is never rate-limited. Called only for
    /// opens that asked for a password (new physical connections), so pooled opens pay nothing.
    /// </summary>
    public void ConfirmLogin(long generation) => _state.ConfirmLogin(generation);

    /// <summary>
    /// Replaces a credential the server rejected. If the rejected credential (<paramref name="rejectedGeneration"/>)
    /// has already been replaced (another open got there first), nothing is requested. A credential no login has
    /// succeeded with is replaced only while the forced-refresh budget lasts (a burst, then one per interval); past it
    /// this returns false at once, requesting nothing. A credential logins had used was revoked: it is replaced whatever
    /// the budget, and when what stands in the way is a transient failure of a background refresh (its single request,
    /// now or remembered), it asks once more after that failure's Retry-After. Waits at most the connect timeout in all.
    /// </summary>
    public async Task<bool> ForceRefreshAsync(long rejectedGeneration, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        for (var pass = 1; ; pass++)
        {
            var left = _policy.ConnectTimeout - _time.GetElapsedTime(started);
            if (left <= TimeSpan.Zero)
            {
                throw TimedOut(new TimeoutException());
            }

            Task<DatabaseCredential> refresh;
            bool confirmed, backgroundFailure;
            DateTimeOffset? remembered = null;
            lock (_state.Gate)
            {
                if (_state.Generation != rejectedGeneration && _state.IsUsable(_state.Current))
                {
                    return true;
                }

                confirmed = rejectedGeneration > 0 && _state.ConfirmedGeneration == rejectedGeneration;
                var joined = _refresh.IsRunning;
                if (!joined)
                {
                    if (!confirmed && !_forcedBudget.TryTake(_time.GetUtcNow()))
                    {
                        LakebaseLog.ForcedRefreshRateLimited(_logger, Target, _policy.ForcedRefreshInterval);
                        return false;
                    }

                    _state.Evict(rejectedGeneration);

                    // A transient failure (429, 503) of a background refresh, remembered while this credential was
                    // still usable, has a window sized for that: minutes behind a valid credential. Revoked, it leaves
                    // opens failing now, so the window ends at the failure's own Retry-After. A foreground refresh's
                    // window already is that short and grows with its retries; other failures (a permission removed)
                    // stand: asking again would not help.
                    if (confirmed && !_foregroundFlight)
                    {
                        remembered = _refresh.ShortenFailure(static e => e is LakebaseCredentialException { IsTransient: true } failed
                            ? Backoff.RetryAfter(failed.RetryAfter) ?? TimeSpan.Zero
                            : null);
                    }
                }

                refresh = Start(Forced);

                // Whether what this waits on is a background refresh, running or remembered (a Forced one started
                // here is foreground), whose single request is all that was tried for the lost credential.
                backgroundFailure = !_foregroundFlight;
            }

            TimeSpan retryIn;
            try
            {
                await WaitAsync(refresh, cancellationToken, left).ConfigureAwait(false);
                return true;
            }
            catch (LakebaseCredentialException e) when (e.IsTransient && confirmed && backgroundFailure && pass == 1 && !cancellationToken.IsCancellationRequested)
            {
                // After a remembered failure, what is left of its window; after one just now, its Retry-After.
                var floor = remembered is { } notBefore ? Max(notBefore - _time.GetUtcNow(), TimeSpan.Zero) : Backoff.RetryAfter(e.RetryAfter);
                retryIn = Backoff.Above(floor + WindowSlack, Backoff.First, _policy.Jitter ? _policy.Random : null);
                if (retryIn >= _policy.ConnectTimeout - _time.GetElapsedTime(started))
                {
                    throw;
                }
            }

            try
            {
                using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposed.Token);
                await Task.Delay(retryIn, _time, stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The caller's cancellation, or else the cache's disposal, which Start reports the same way.
                cancellationToken.ThrowIfCancellationRequested();
                throw Disposed();
            }
        }
    }

    public LakebaseCredentialStatus GetStatus(string user, string source) => _state.Status(Target, user, source, _schedule.NextRefreshAt) with { IsRefreshing = _refresh.IsRunning };

    public async ValueTask DisposeAsync()
    {
        lock (_state.Gate)
        {
            // Under the lock: a refresh finishing now either scheduled its timer before this (the timer is disposed
            // below) or sees the schedule closed and schedules nothing on a disposed timer.
            if (_closed)
            {
                return;
            }

            _closed = true;
            _schedule.Close();
        }

        // Outside the lock: cancelling runs the refresh's cancellation callbacks (HttpClient's) inline.
        await _disposed.CancelAsync().ConfigureAwait(false);
        _gauges.Dispose();
        await _schedule.DisposeAsync().ConfigureAwait(false);
    }

    // The hot path: no lock, no allocation. Never hands out a credential past "usable until", however late a timer
    // fired or however long the process was suspended.
    private string? TryServeCached()
    {
        var credential = _state.Serving;
        if (credential is null)
        {
            return null;
        }

        var now = _time.GetUtcNow();
        if (now >= credential.UsableUntil)
        {
            return null;
        }

        _state.MarkUsed();

        // Past the refresh point and nothing running: the timer is paused (idle data source), stopped (after a
        // non-transient error), late (throttled CPU) or absent (lazy mode). Start the refresh; this open does not wait.
        if (now >= credential.RefreshAt && !_refresh.IsRunning && !_state.InBackoff(now))
        {
            lock (_state.Gate)
            {
                StartInBackground(Ahead);
            }
        }

        return Serve(credential);
    }

    private async ValueTask<DatabaseCredential> GetSlowAsync(CancellationToken cancellationToken)
    {
        Task<DatabaseCredential> refresh;
        lock (_state.Gate)
        {
            // Stored since this open looked (a refresh finished in between): no need to ask again.
            if (_state.Serving is { } stored && _time.GetUtcNow() < stored.UsableUntil)
            {
                _state.MarkUsed();
                return stored;
            }

            refresh = Start(Initial);
        }

        try
        {
            var credential = await WaitAsync(refresh, cancellationToken).ConfigureAwait(false);
            _state.MarkUsed();
            return credential;
        }
        catch (LakebaseCredentialException) when (!cancellationToken.IsCancellationRequested && _state.TryGetStillValid(out var stale))
        {
            // Past "usable until" but not yet expired, and the API is failing: better than no connection at all.
            return stale;
        }
    }

    private static async ValueTask<string> ServeAsync(ValueTask<DatabaseCredential> credential) => Serve(await credential.ConfigureAwait(false));

    private static string Serve(DatabaseCredential credential)
    {
        CredentialUse.Record(credential);
        return credential.Token;
    }

    // An open waits at most its connect timeout, whichever refresh it joined; its cancellation ends only its wait.
    private async Task<DatabaseCredential> WaitAsync(Task<DatabaseCredential> refresh, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        try
        {
            return await refresh.WaitAsync(timeout ?? _policy.ConnectTimeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException e)
        {
            throw TimedOut(e);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && _disposed.IsCancellationRequested)
        {
            // The cache was disposed under the open (the data source with it): say so, not that the open was cancelled.
            throw Disposed();
        }
    }

    // Under the gate: a refresh nobody waits for (the timer's, or one an open starts behind the credential it serves).
    private void StartInBackground(string trigger)
    {
        if (!_closed && !_refresh.IsRunning && !_state.InBackoff(_time.GetUtcNow()))
        {
            // Failures are logged and rescheduled by OnRefreshFailed; nobody awaits this one.
            _ = Start(trigger).ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }
    }

    // Under the gate. Joins the running refresh, fails fast inside a failure's backoff window, or starts one.
    private Task<DatabaseCredential> Start(string trigger)
    {
        if (_closed)
        {
            throw Disposed();
        }

        // Someone waits on a refresh when there is no usable credential, whatever started it (a timer that fired late
        // after a suspend, say): then it gets the foreground's retries and deadline.
        // An unattended fetch (warm-up, readiness) has nobody waiting by definition: one request, no retry in line.
        var foreground = trigger is Initial or Forced || (trigger is not Unattended && !_state.IsUsable(_state.Current));
        // An unattended fetch keeps the connect timeout as its deadline: an open that arrives meanwhile joins it and
        // must not wait longer than its own open would.
        var deadline = foreground || trigger is Unattended ? _policy.ConnectTimeout : Max(_policy.ConnectTimeout, MinBackgroundDeadline);
        var wasRunning = _refresh.IsRunning;
        var refresh = _refresh.RunAsync(ct => _requests.RequestAsync(trigger, foreground, ct), deadline, _disposed.Token);
        if (!wasRunning && _refresh.IsRunning)
        {
            // The flight cannot finish before this: storing its result, or reading the trigger on failure, takes the gate held here.
            _trigger = trigger;
            _foregroundFlight = foreground;
            _state.MarkRefreshStarted();
            _schedule.Clear();
        }

        return refresh;
    }

    // Runs once per successful refresh, before any waiting open resumes.
    private DatabaseCredential Store(DatabaseCredential fetched)
    {
        DatabaseCredential credential;
        string trigger;
        lock (_state.Gate)
        {
            // Under the lock, so a concurrent forced refresh cannot evict this fresh entry as if it were the rejected one.
            credential = _state.Store(fetched, c => c.RefreshPoint(
                _policy.Jitter
                    ? _policy.EarliestRefreshFraction + (_policy.Random.NextDouble() * (_policy.LatestRefreshFraction - _policy.EarliestRefreshFraction))
                    : _policy.LatestRefreshFraction,
                _policy.MinimumRefreshLead));
            _schedule.ScheduleAt(credential.RefreshAt);
            trigger = _trigger;
        }

        LakebaseLog.CredentialRefreshed(_logger, Target, trigger, credential.ExpiresAt, credential.RefreshAt);
        return credential;
    }

    // Runs once per failed refresh: the schedule records and logs it; opens fail fast for the window it returns.
    // A timed-out refresh already took its deadline: the next open starts a new one (issue 16, item 9).
    private TimeSpan OnRefreshFailed(FlightFailure failure)
    {
        var jitter = _policy.Jitter ? _policy.Random : null;

        // Under the gate: Start records the trigger, holding the gate, only after launching the flight, and a fetch
        // that fails at once can get here first. Read without it, a refused warm-up was taken for an open (the short
        // window instead of the long one: another request minutes early, in a rollout).
        bool unattended;
        bool usable;
        lock (_state.Gate)
        {
            unattended = _trigger == Unattended;
            usable = _state.IsUsable(_state.Current);
        }

        var retryIn = _schedule.AfterFailure(failure, jitter, unattended);

        // An unattended fetch refused for rate limiting keeps the timer and the probes off for minutes (the state's
        // backoff), but a user's open must not fail that long for it (a warm-up without a readiness probe in front):
        // the single flight remembers the refusal only for the transient window, then an open may ask again.
        if (unattended && failure.Error is LakebaseCredentialException { Reason: LakebaseCredentialError.RateLimited } refused && !usable)
        {
            var attended = Backoff.Delay(failure.ConsecutiveFailures, transient: true, refused.RetryAfter, jitter);
            retryIn = attended < retryIn ? attended : retryIn;
        }

        return failure.TimedOut ? TimeSpan.Zero : retryIn;
    }

    private LakebaseCredentialException TimedOut(Exception inner) =>
        new(
            LakebaseCredentialError.Unavailable,
            $"Could not obtain a database credential for {Target} within the connect timeout ({_policy.ConnectTimeout.TotalSeconds:0.#} s): the workspace API is slow or unreachable. Raise ConnectTimeout if this is expected, or check the network path to DATABRICKS_HOST.",
            innerException: inner);

    // Named for what the application holds and disposed: the data source this cache belongs to.
    private static ObjectDisposedException Disposed() => new(typeof(LakebaseDataSource).FullName);

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>The current credential's time left and age.</summary>
    public readonly record struct Timing(TimeSpan? TimeToExpiry, TimeSpan? Age);
}
