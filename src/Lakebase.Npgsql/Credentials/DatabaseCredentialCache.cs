using System.Diagnostics;
using Lakebase.Npgsql.Diagnostics;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;

namespace Lakebase.Npgsql.Credentials;

/// <summary>
/// Holds the database credential one data source logs in with. In steady state a connection open is a memory-cache
/// read: the credential is refreshed in the background ahead of its expiry. Concurrent misses share one request
/// (single flight); a failing refresh keeps serving the still-valid credential and retries with backoff; a login
/// the server rejected forces a replacement (<see cref="ForceRefreshAsync"/>), also single flight.
/// </summary>
internal sealed class DatabaseCredentialCache : IAsyncDisposable
{
    private const string CacheKey = "lakebase:database-credential";

    // A connection open waiting on the API tries a few times, never for longer than the connect timeout allows.
    private const int ForegroundAttempts = 3;
    private static readonly TimeSpan MaxForegroundDelay = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan MaxBackgroundDelay = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan MaxRetryAfter = TimeSpan.FromMinutes(10);

    // A credential obtained by a forced refresh and rejected again within this window points at the role or the user
    // name, not at the token: forcing yet another one per failed open would only hammer the API.
    private static readonly TimeSpan ForcedRefreshCooldown = TimeSpan.FromSeconds(30);

    // Between "usable until" and the real expiry a credential is only served when the API is failing.
    private static readonly TimeSpan MinRemainingForStaleUse = TimeSpan.FromSeconds(5);

    private readonly Func<CancellationToken, Task<DatabaseCredential>> _fetch;
    private readonly MemoryCache _cache;
    private readonly TimeProvider _time;
    private readonly TimeSpan _refreshBeforeExpiry;
    private readonly ILogger _logger;
    private readonly string _target;
    private readonly ITimer _refreshTimer;
    private readonly CancellationTokenSource _disposed = new();
    private readonly object _gate = new();

    private TaskCompletionSource<DatabaseCredential>? _inflight;
    private DatabaseCredential? _current;
    private long _generation;
    private int _consecutiveFailures;
    private long _requests;
    private string? _lastError;
    private DateTimeOffset? _lastRefreshedAt;
    private DateTimeOffset? _nextRefreshAt;
    private long _forcedGeneration = -1;
    private DateTimeOffset _forcedAt;
    private DateTimeOffset _notBefore;
    private Exception? _lastFailure;

    public DatabaseCredentialCache(
        Func<CancellationToken, Task<DatabaseCredential>> fetch,
        string target,
        TimeSpan refreshBeforeExpiry,
        TimeProvider timeProvider,
        ILogger logger)
    {
        _fetch = fetch;
        _target = target;
        _refreshBeforeExpiry = refreshBeforeExpiry;
        _time = timeProvider;
        _logger = logger;
        _cache = new MemoryCache(new MemoryCacheOptions { Clock = new TimeProviderSystemClock(timeProvider) });
        _refreshTimer = timeProvider.CreateTimer(_ => OnRefreshDue(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        LakebaseTelemetry.Track(this);
    }

    /// <summary>What the credential is for, as shown in logs, status and metrics.</summary>
    public string Target => _target;

    /// <summary>The current credential's time left and age, for the gauges; null values when there is none.</summary>
    public Timing GetTiming()
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            return _current is { } current ? new Timing(current.ExpiresAt - now, now - current.IssuedAt) : default;
        }
    }

    /// <summary>Bumped every time a new credential is stored; lets a failed open tell whether someone already replaced the one it used.</summary>
    public long Generation => Interlocked.Read(ref _generation);

    /// <summary>The password for a new physical connection (synchronous opens).</summary>
    public string GetPassword() =>
        _cache.TryGetValue(CacheKey, out var value) ? Serve((DatabaseCredential)value!)
        : GetPasswordSlowAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();

    /// <summary>The password for a new physical connection: a cache read unless no usable credential is cached.</summary>
    public ValueTask<string> GetPasswordAsync(CancellationToken cancellationToken) =>
        _cache.TryGetValue(CacheKey, out var value) ? new ValueTask<string>(Serve((DatabaseCredential)value!))
        : GetPasswordSlowAsync(cancellationToken);

    /// <summary>
    /// Replaces a credential the server rejected. If the rejected credential (<paramref name="rejectedGeneration"/>)
    /// has already been replaced (another open got there first), nothing is requested. Returns false, requesting
    /// nothing, when the rejected credential was itself forced moments ago: a retry could not help.
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

            if (rejectedGeneration == _forcedGeneration && _time.GetUtcNow() - _forcedAt < ForcedRefreshCooldown)
            {
                return false;
            }

            // Opens arriving now wait for the replacement instead of trying the rejected token, and a failing
            // refresh must not fall back to it as "stale but valid".
            _cache.Remove(CacheKey);
            if (_current?.Generation == rejectedGeneration)
            {
                _current = null;
            }

            refresh = StartOrJoinRefresh("forced", ForegroundAttempts);
        }

        await refresh.WaitAsync(cancellationToken).ConfigureAwait(false);
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
        if (_disposed.IsCancellationRequested)
        {
            return;
        }

        LakebaseTelemetry.Untrack(this);
        await _disposed.CancelAsync().ConfigureAwait(false);
        await _refreshTimer.DisposeAsync().ConfigureAwait(false);
        _cache.Dispose();
        _disposed.Dispose();
    }

    private async ValueTask<string> GetPasswordSlowAsync(CancellationToken cancellationToken)
    {
        Task<DatabaseCredential> refresh;
        lock (_gate)
        {
            refresh = StartOrJoinRefresh("initial", ForegroundAttempts);
        }

        try
        {
            return Serve(await refresh.WaitAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (LakebaseCredentialException) when (TryGetStillValid(out var stale))
        {
            // Past "usable until" but not yet expired, and the API is failing: better than no connection at all.
            return Serve(stale);
        }
    }

    private static string Serve(DatabaseCredential credential)
    {
        CredentialUse.Record(credential);
        return credential.Token;
    }

    // Called under _gate. Returns the running refresh or starts one; the work runs outside the lock.
    private Task<DatabaseCredential> StartOrJoinRefresh(string trigger, int attempts)
    {
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        if (_inflight is { } running)
        {
            return running.Task;
        }

        // The workspace asked us to wait (Retry-After): answer opens with its last error instead of asking again.
        if (trigger != "background" && _lastFailure is not null && _time.GetUtcNow() < _notBefore)
        {
            return Task.FromException<DatabaseCredential>(_lastFailure);
        }

        var completion = new TaskCompletionSource<DatabaseCredential>(TaskCreationOptions.RunContinuationsAsynchronously);
        _inflight = completion;
        _ = Task.Run(() => RefreshAsync(completion, trigger, attempts));
        return completion.Task;
    }

    private async Task RefreshAsync(TaskCompletionSource<DatabaseCredential> completion, string trigger, int attempts)
    {
        using var activity = LakebaseTelemetry.ActivitySource.StartActivity("lakebase.credential.refresh");
        activity?.SetTag("lakebase.endpoint", _target);
        activity?.SetTag("lakebase.trigger", trigger);
        try
        {
            var fetched = await FetchAsync(trigger, attempts).ConfigureAwait(false);
            var credential = fetched with { Generation = Interlocked.Read(ref _generation) + 1 };
            var refreshAt = credential.RefreshAt(_refreshBeforeExpiry);
            lock (_gate)
            {
                // Under the lock, so a concurrent forced refresh cannot evict this fresh entry as if it were the rejected one.
                if (credential.UsableUntil > _time.GetUtcNow())
                {
                    _cache.Set(CacheKey, credential, credential.UsableUntil);
                }

                if (trigger == "forced")
                {
                    _forcedGeneration = credential.Generation;
                    _forcedAt = _time.GetUtcNow();
                }

                _lastFailure = null;
                _current = credential;
                _generation = credential.Generation;
                _consecutiveFailures = 0;
                _lastError = null;
                _lastRefreshedAt = credential.IssuedAt;
                _inflight = null;
                ScheduleRefresh(refreshAt);
            }

            LakebaseLog.CredentialRefreshed(_logger, _target, trigger, credential.ExpiresAt, refreshAt);
            completion.SetResult(credential);
        }
        catch (Exception e)
        {
            activity?.SetStatus(ActivityStatusCode.Error, e.GetType().Name);
            var credentialError = e as LakebaseCredentialException;
            TimeSpan retryIn;
            DatabaseCredential? current;
            lock (_gate)
            {
                _inflight = null;
                _lastError = e.Message;
                _lastFailure = e;
                _notBefore = credentialError?.RetryAfter is { } wait ? _time.GetUtcNow() + Clamp(wait, MaxRetryAfter) : default;
                _consecutiveFailures++;
                retryIn = Backoff(_consecutiveFailures, credentialError?.RetryAfter, MaxBackgroundDelay);
                current = _current;
                if (!_disposed.IsCancellationRequested)
                {
                    ScheduleRefresh(_time.GetUtcNow() + retryIn);
                }
            }

            if (!_disposed.IsCancellationRequested)
            {
                var reason = credentialError?.Reason ?? LakebaseCredentialError.Unknown;
                if (current is not null && current.ExpiresAt > _time.GetUtcNow())
                {
                    LakebaseLog.CredentialRefreshFailedServingCached(_logger, _target, reason, current.UsableUntil, retryIn, e);
                }
                else
                {
                    LakebaseLog.CredentialRefreshFailed(_logger, _target, reason, retryIn, e);
                }
            }

            completion.SetException(e);
        }
    }

    private async Task<DatabaseCredential> FetchAsync(string trigger, int attempts)
    {
        for (var attempt = 1; ; attempt++)
        {
            var started = _time.GetTimestamp();
            Interlocked.Increment(ref _requests);
            try
            {
                var credential = await _fetch(_disposed.Token).ConfigureAwait(false);
                LakebaseTelemetry.RecordCredentialRequest(trigger, succeeded: true, _time.GetElapsedTime(started).TotalSeconds);
                return credential;
            }
            catch (Exception e)
            {
                LakebaseTelemetry.RecordCredentialRequest(trigger, succeeded: false, _time.GetElapsedTime(started).TotalSeconds);
                // A Retry-After longer than an open can wait is honoured by not retrying now.
                if (e is not LakebaseCredentialException { IsTransient: true } transient || attempt >= attempts
                    || transient.RetryAfter > MaxForegroundDelay)
                {
                    throw;
                }

                var delay = Backoff(attempt, transient.RetryAfter, MaxForegroundDelay);
                LakebaseLog.CredentialRequestRetrying(_logger, _target, transient.Reason, attempt, attempts, delay);
                await Task.Delay(delay, _time, _disposed.Token).ConfigureAwait(false);
            }
        }
    }

    private void OnRefreshDue()
    {
        lock (_gate)
        {
            if (_disposed.IsCancellationRequested)
            {
                return;
            }

            _nextRefreshAt = null;

            // Failures are logged and rescheduled inside the refresh; nobody awaits a background refresh.
            StartOrJoinRefresh("background", attempts: 1).ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
        }
    }

    // Called under _gate.
    private void ScheduleRefresh(DateTimeOffset at)
    {
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

    private static TimeSpan Clamp(TimeSpan value, TimeSpan max) => value < max ? value : max;

    // Retry-After is honoured as asked (up to 10 minutes); without it, exponential backoff capped at max.
    private static TimeSpan Backoff(int attempt, TimeSpan? retryAfter, TimeSpan max)
    {
        if (retryAfter is { } asked && asked > TimeSpan.Zero)
        {
            return Clamp(asked, MaxRetryAfter);
        }

        // Exponential from 500 ms with +-20 % jitter, so many instances recovering together don't retry in step.
        var exponential = TimeSpan.FromMilliseconds(500 * Math.Pow(2, Math.Min(attempt - 1, 10)));
        var jittered = exponential * (0.8 + (Random.Shared.NextDouble() * 0.4));
        return jittered < max ? jittered : max;
    }

    /// <summary>The current credential's time left and age.</summary>
    public readonly record struct Timing(TimeSpan? TimeToExpiry, TimeSpan? Age);
}
