using Lakebase.Npgsql.Resilience;
using Microsoft.Extensions.Caching.Memory;

namespace Lakebase.Npgsql.Authentication;

/// <summary>
/// Caches a workspace token until shortly before it expires, and fetches one at a time (<see cref="SingleFlight{T}"/>):
/// concurrent callers share a fetch, a failure is remembered for a backoff window, and a fetch that hangs (a CLI, a
/// user's delegate that ignores cancellation) is abandoned at a deadline so the next call starts a new one. The
/// margin before expiry matters: Azure rejects tokens within 30 seconds of their expiry.
/// </summary>
internal abstract class CachedWorkspaceTokenSource : IWorkspaceTokenSource
{
    /// <summary>No workspace token is believed to live longer, whatever its source says (and a timer can always be armed for it).</summary>
    internal static readonly TimeSpan MaxLifetime = TimeSpan.FromHours(24);

    // Longer than any one step's own timeout (an HTTP attempt, a CLI run), so those report first with their own message.
    private static readonly TimeSpan FetchDeadline = TimeSpan.FromSeconds(45);
    private static readonly TimeSpan MaxExpiryMargin = TimeSpan.FromMinutes(2);

    private readonly IMemoryCache _cache;
    private readonly object _cacheKey = new();
    private readonly SingleFlight<string> _fetch;

    protected CachedWorkspaceTokenSource(IMemoryCache cache, TimeProvider timeProvider)
    {
        _cache = cache;
        TimeProvider = timeProvider;
        _fetch = new SingleFlight<string>(timeProvider, TimedOut);
    }

    public abstract string Description { get; }

    protected TimeProvider TimeProvider { get; }

    public async ValueTask<string> GetTokenAsync(CancellationToken cancellationToken)
    {
        if (_cache.TryGetValue(_cacheKey, out string? cached))
        {
            return cached!;
        }

        return await _fetch.RunAsync(FetchAndCacheAsync, FetchDeadline).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public bool Invalidate(string rejectedToken)
    {
        if (_cache.TryGetValue(_cacheKey, out string? cached) && cached == rejectedToken)
        {
            _cache.Remove(_cacheKey);
        }

        return true;
    }

    /// <summary>An expiry <paramref name="seconds"/> from <paramref name="now"/>, believed for at most <see cref="MaxLifetime"/>.</summary>
    internal static DateTimeOffset ExpiryIn(DateTimeOffset now, long seconds) =>
        now + (seconds <= 0 ? TimeSpan.Zero : seconds >= MaxLifetime.TotalSeconds ? MaxLifetime : TimeSpan.FromSeconds(seconds));

    protected abstract Task<(string Token, DateTimeOffset? ExpiresAt)> FetchAsync(CancellationToken cancellationToken);

    private async Task<string> FetchAndCacheAsync(CancellationToken cancellationToken)
    {
        // A caller's retry may find the token another fetch just stored.
        if (_cache.TryGetValue(_cacheKey, out string? cached))
        {
            return cached!;
        }

        var (token, expiresAt) = await FetchAsync(cancellationToken).ConfigureAwait(false);
        if (expiresAt is { } expiry)
        {
            var now = TimeProvider.GetUtcNow();
            var lifetime = expiry - now < MaxLifetime ? expiry - now : MaxLifetime;
            var usableUntil = now + lifetime - (lifetime / 2 < MaxExpiryMargin ? lifetime / 2 : MaxExpiryMargin);
            if (usableUntil > now)
            {
                _cache.Set(_cacheKey, token, usableUntil);
            }
        }

        return token;
    }

    private LakebaseCredentialException TimedOut(TimeSpan deadline, Exception inner) => new(
        LakebaseCredentialError.Unavailable,
        $"{Description} did not provide a workspace token within {deadline.TotalSeconds:0} seconds; the next connection open tries again. " +
        "Check that the token source answers (the workspace's token endpoint, the CLI, or a TokenProvider delegate that honours its cancellation token).",
        innerException: inner);
}
