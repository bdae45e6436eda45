using Lakebase.Npgsql.Diagnostics;
using Lakebase.Npgsql.Resilience;
using Microsoft.Extensions.Logging;

namespace Lakebase.Npgsql.Credentials;

/// <summary>
/// When a <see cref="DatabaseCredentialCache"/> refreshes in the background: one timer, armed for the credential's
/// refresh point or a failure's retry, paused while no connection is opened (so an idle application lets the
/// workspace be), stopped after a non-transient error (the next open past the backoff retries) and absent in lazy mode.
/// Called under the state's gate.
/// </summary>
internal sealed class RefreshSchedule : IAsyncDisposable
{
    // ITimer.Change throws for due times past about 49.7 days. A credential lives an hour, so no real due time comes
    // near this; a timer armed at the cap that fires before the refresh point just re-arms (see OnDue).
    internal static readonly TimeSpan MaxDueTime = TimeSpan.FromHours(24);

    private static readonly TimeSpan MinRetryDelay = TimeSpan.FromSeconds(1);

    private readonly TimeProvider _time;
    private readonly CredentialState _state;
    private readonly Func<bool> _refreshing;
    private readonly Action _startRefresh;
    private readonly ILogger _logger;
    private readonly string _target;
    private readonly ITimer? _timer;
    private DateTimeOffset? _nextRefreshAt;
    private bool _closed;

    /// <param name="background">Whether a timer runs at all (<see cref="LakebaseRefreshMode.Background"/>).</param>
    /// <param name="time">The clock of the timer.</param>
    /// <param name="state">The credential state, whose gate guards the schedule too.</param>
    /// <param name="refreshing">Whether a refresh is running (then the timer has nothing to do).</param>
    /// <param name="startRefresh">Starts a background refresh; called under the state's gate, must not wait.</param>
    /// <param name="logger">Where pauses and failures are logged.</param>
    /// <param name="target">What the credential is for, in logs.</param>
    public RefreshSchedule(bool background, TimeProvider time, CredentialState state, Func<bool> refreshing, Action startRefresh, ILogger logger, string target)
    {
        _time = time;
        _state = state;
        _refreshing = refreshing;
        _startRefresh = startRefresh;
        _logger = logger;
        _target = target;
        if (background)
        {
            _timer = time.CreateTimer(_ => OnDue(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>When the timer will next refresh; null when it is paused, stopped, closed or in lazy mode.</summary>
    public DateTimeOffset? NextRefreshAt
    {
        get
        {
            lock (_state.Gate)
            {
                return _nextRefreshAt;
            }
        }
    }

    /// <summary>Under the gate: a refresh started; the timer's plan no longer applies.</summary>
    public void Clear() => _nextRefreshAt = null;

    /// <summary>Under the gate: arms the timer for <paramref name="at"/> (clamped so it can never throw).</summary>
    public void ScheduleAt(DateTimeOffset at)
    {
        if (_timer is null || _closed)
        {
            return;
        }

        var due = at - _time.GetUtcNow();
        _nextRefreshAt = at;
        _timer.Change(due <= TimeSpan.Zero ? TimeSpan.Zero : due < MaxDueTime ? due : MaxDueTime, Timeout.InfiniteTimeSpan);
    }

    /// <summary>
    /// After a failed refresh: how long until the next try (<see cref="Backoff"/>), recorded in the state and logged, and
    /// for a transient failure the timer armed for it. <paramref name="unattended"/>: nobody waited on the failed fetch
    /// and it made a single request (warm-up, readiness), so a rate limit backs it off over the longer window.
    /// </summary>
    public TimeSpan AfterFailure(FlightFailure failure, Random? jitter, bool unattended = false)
    {
        var error = failure.Error as LakebaseCredentialException;
        var transient = failure.TimedOut || error?.IsTransient == true;
        DatabaseCredential? current;
        TimeSpan retryIn;
        lock (_state.Gate)
        {
            var now = _time.GetUtcNow();
            current = _state.Current;

            // Rate limiting grows its own, longer backoff: the limit is the fleet's, and what it refused it can serve
            // only spread over minutes. That suits a refresh while a usable credential is served, and a fetch nobody
            // waits on (the instance stays not-ready meanwhile). It does not suit opens that fail for want of any
            // credential (a revocation during a 429 storm): they come back after Retry-After plus the transient
            // formula's jitter, so the application is down for as long as the storm, not for minutes after it.
            // An unattended fetch of an instance that never held a credential is a rollout's: the long window. One that
            // lost its credential (revoked during the storm) is starved like any other: probes and opens come back soon.
            var starved = !_state.IsUsable(current) && (!unattended || _state.Generation > 0);
            retryIn = error?.Reason == LakebaseCredentialError.RateLimited && !starved
                ? Backoff.RateLimited(failure.ConsecutiveFailures, error.RetryAfter, jitter, unattended)
                : Backoff.Delay(failure.ConsecutiveFailures, transient, error?.RetryAfter, jitter);

            // Honour Retry-After, but not past the point where the credential in hand stops being usable: half the
            // time left each round, so the last tries still land before it runs out.
            if (current is not null && current.UsableUntil - now is var left && left > TimeSpan.Zero && retryIn > left / 2)
            {
                retryIn = left / 2 > MinRetryDelay ? left / 2 : MinRetryDelay;
            }

            _state.RecordFailure(failure.Error, now + retryIn);
            if (_closed)
            {
                return TimeSpan.Zero;
            }

            // A transient failure is retried by the timer; after any other (permission, configuration) the timer stops
            // and the next open past the backoff tries again: nothing hammers the API while nobody connects.
            if (transient)
            {
                ScheduleAt(now + retryIn);
            }
        }

        var reason = error?.Reason ?? LakebaseCredentialError.Unknown;
        if (current is not null && current.ExpiresAt > _time.GetUtcNow())
        {
            LakebaseLog.CredentialRefreshFailedServingCached(_logger, _target, reason, current.UsableUntil, retryIn, failure.Error);
        }
        else
        {
            LakebaseLog.CredentialRefreshFailed(_logger, _target, reason, retryIn, failure.Error);
        }

        if (!transient)
        {
            LakebaseLog.BackgroundRefreshStopped(_logger, _target, reason);
        }

        return retryIn;
    }

    /// <summary>Under the gate: nothing is scheduled from now on (a refresh finishing later sees this).</summary>
    public void Close()
    {
        _closed = true;
        _nextRefreshAt = null;
    }

    public ValueTask DisposeAsync() => _timer?.DisposeAsync() ?? ValueTask.CompletedTask;

    private void OnDue()
    {
        lock (_state.Gate)
        {
            if (_closed || _refreshing())
            {
                return;
            }

            _nextRefreshAt = null;

            // Nobody opened a connection since the last refresh: pause until someone does (the next open past the
            // refresh point restarts it, or fetches in the foreground if the credential ran out meanwhile).
            if (!_state.UsedSinceRefresh)
            {
                LakebaseLog.BackgroundRefreshPaused(_logger, _target);
                return;
            }

            // Early: a callback already on its way when a new credential was stored, or a due time cut at the cap.
            if (_state.Current is { } current && !_state.LastRefreshFailed && _time.GetUtcNow() < current.RefreshAt)
            {
                ScheduleAt(current.RefreshAt);
                return;
            }

            _startRefresh();
        }
    }
}
