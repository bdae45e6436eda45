namespace Lakebase.Npgsql.Credentials;

/// <summary>
/// What one <see cref="DatabaseCredentialCache"/> knows about its credential: the one opens are served from, its
/// generation, which generation last logged in, and the outcome of the last refresh (for status and the gauges).
/// Mutations happen under <see cref="Gate"/>; <see cref="Serving"/> and the hot-path flags are read without it.
/// </summary>
internal sealed class CredentialState(TimeProvider time)
{
    // Between "usable until" and the real expiry a credential is only served when the API is failing.
    private static readonly TimeSpan MinRemainingForStaleUse = TimeSpan.FromSeconds(5);

    private volatile DatabaseCredential? _serving;
    private int _usedSinceRefresh;
    private long _retryNotBeforeTicks;
    private long _confirmedGeneration;
    private long _generation;
    private long _requests;
    private DatabaseCredential? _current;
    private string? _lastError;
    private DateTimeOffset? _lastRefreshedAt;

    /// <summary>Guards every mutation except the hot-path flags.</summary>
    public object Gate { get; } = new();

    /// <summary>What opens are served from without the lock; null when there is none or a forced refresh evicted it.</summary>
    public DatabaseCredential? Serving => _serving;

    /// <summary>The newest credential, evicted only when the server rejected it; may be past "usable until".</summary>
    public DatabaseCredential? Current => _current;

    public long Generation => Interlocked.Read(ref _generation);

    /// <summary>The error of the last failed refresh, kept for fetches that fail fast inside its backoff.</summary>
    public Exception? LastFailure { get; private set; }

    public long ConfirmedGeneration => Interlocked.Read(ref _confirmedGeneration);

    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Whether the last refresh failed (cleared by the next success).</summary>
    public bool LastRefreshFailed => _lastError is not null;

    /// <summary>Whether a connection was opened since the last refresh started (read by the background timer).</summary>
    public bool UsedSinceRefresh => Volatile.Read(ref _usedSinceRefresh) != 0;

    /// <summary>Whether a refresh started now would be inside a failure's backoff window (hot path, no lock).</summary>
    public bool InBackoff(DateTimeOffset now) => now.UtcTicks < Interlocked.Read(ref _retryNotBeforeTicks);

    public void MarkUsed()
    {
        if (Volatile.Read(ref _usedSinceRefresh) == 0)
        {
            Volatile.Write(ref _usedSinceRefresh, 1);
        }
    }

    public void MarkRefreshStarted() => Volatile.Write(ref _usedSinceRefresh, 0);

    public void CountRequest() => Interlocked.Increment(ref _requests);

    public void ConfirmLogin(long generation)
    {
        if (generation > Interlocked.Read(ref _confirmedGeneration))
        {
            Interlocked.Exchange(ref _confirmedGeneration, generation);
        }
    }

    public bool IsUsable(DatabaseCredential? credential) => credential is not null && credential.UsableUntil > time.GetUtcNow();

    /// <summary>Under <see cref="Gate"/>: stores a fetched credential as the next generation, refreshed at <paramref name="refreshAt"/>'s choice.</summary>
    public DatabaseCredential Store(DatabaseCredential fetched, Func<DatabaseCredential, DateTimeOffset> refreshAt)
    {
        var credential = fetched with { Generation = _generation + 1 };
        credential = credential with { RefreshAt = refreshAt(credential) };
        _serving = credential;
        _current = credential;
        Interlocked.Exchange(ref _generation, credential.Generation);
        _lastError = null;
        _lastRefreshedAt = credential.IssuedAt;
        Interlocked.Exchange(ref _retryNotBeforeTicks, 0);
        return credential;
    }

    /// <summary>Under <see cref="Gate"/>: records a failed refresh, not to be retried before <paramref name="retryAt"/>.</summary>
    public void RecordFailure(Exception error, DateTimeOffset retryAt)
    {
        _lastError = error.Message;
        LastFailure = error;
        Interlocked.Exchange(ref _retryNotBeforeTicks, retryAt.UtcTicks);
    }

    /// <summary>
    /// Under <see cref="Gate"/>: opens arriving now wait for a replacement instead of trying the rejected credential,
    /// and a failing refresh must not fall back to it as "stale but valid".
    /// </summary>
    public void Evict(long rejectedGeneration)
    {
        _serving = null;
        if (_current?.Generation == rejectedGeneration)
        {
            _current = null;
        }
    }

    /// <summary>The current credential if it has not expired yet (with a few seconds to spare), for when the API is failing.</summary>
    public bool TryGetStillValid(out DatabaseCredential credential)
    {
        lock (Gate)
        {
            credential = _current!;
            return _current is not null && _current.ExpiresAt - time.GetUtcNow() > MinRemainingForStaleUse;
        }
    }

    public LakebaseCredentialStatus Status(string target, string user, string source, DateTimeOffset? nextRefreshAt)
    {
        lock (Gate)
        {
            var now = time.GetUtcNow();
            var state = _current is null && _lastError is null ? LakebaseCredentialState.NotRequested
                : _current is null || _current.ExpiresAt <= now ? LakebaseCredentialState.Unavailable
                : _lastError is not null ? LakebaseCredentialState.RefreshFailing
                : LakebaseCredentialState.Valid;
            return new LakebaseCredentialStatus(target, user, source, state, _current?.ExpiresAt, _lastRefreshedAt, nextRefreshAt, Requests, _lastError);
        }
    }

    public DatabaseCredentialCache.Timing Timing()
    {
        lock (Gate)
        {
            var now = time.GetUtcNow();
            return _current is { } current ? new DatabaseCredentialCache.Timing(current.ExpiresAt - now, now - current.IssuedAt) : default;
        }
    }
}
