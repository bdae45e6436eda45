using Microsoft.Extensions.Caching.Memory;

namespace Lakebase.Npgsql.Authentication;

/// <summary>
/// Caches a workspace token until shortly before it expires and de-duplicates concurrent fetches. The margin
/// matters: Azure rejects tokens within 30 seconds of their expiry.
/// </summary>
internal abstract class CachedWorkspaceTokenSource(IMemoryCache cache, TimeProvider timeProvider) : IWorkspaceTokenSource
{
    private static readonly TimeSpan MaxExpiryMargin = TimeSpan.FromMinutes(2);

    private readonly object _cacheKey = new();
    private readonly SemaphoreSlim _fetchLock = new(1, 1);

    public abstract string Description { get; }

    protected TimeProvider TimeProvider => timeProvider;

    public async ValueTask<string> GetTokenAsync(CancellationToken cancellationToken)
    {
        if (cache.TryGetValue(_cacheKey, out string? cached))
        {
            return cached!;
        }

        await _fetchLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (cache.TryGetValue(_cacheKey, out cached))
            {
                return cached!;
            }

            var (token, expiresAt) = await FetchAsync(cancellationToken).ConfigureAwait(false);
            if (expiresAt is { } expiry)
            {
                var lifetime = expiry - timeProvider.GetUtcNow();
                var usableUntil = expiry - (lifetime / 2 < MaxExpiryMargin ? lifetime / 2 : MaxExpiryMargin);
                if (usableUntil > timeProvider.GetUtcNow())
                {
                    cache.Set(_cacheKey, token, usableUntil);
                }
            }

            return token;
        }
        finally
        {
            _fetchLock.Release();
        }
    }

    public bool Invalidate(string rejectedToken)
    {
        if (cache.TryGetValue(_cacheKey, out string? cached) && cached == rejectedToken)
        {
            cache.Remove(_cacheKey);
        }

        return true;
    }

    protected abstract Task<(string Token, DateTimeOffset? ExpiresAt)> FetchAsync(CancellationToken cancellationToken);
}
