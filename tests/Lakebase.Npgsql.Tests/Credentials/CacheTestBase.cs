using Lakebase.Npgsql.Credentials;
using Lakebase.TestUtilities;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Lakebase.Npgsql.Tests.Credentials;

/// <summary>
/// What the cache tests share: a fake clock (hours of token life pass in milliseconds), a fake credential API minting
/// hour-long tokens on it, captured logs, and caches that are disposed (and whose logs are checked for the token) at the end.
/// </summary>
public abstract class CacheTestBase : IAsyncDisposable
{
    protected static readonly TimeSpan Hour = TimeSpan.FromHours(1);
    private readonly List<DatabaseCredentialCache> _caches = [];

    private protected CacheTestBase() => _api = new FakeCredentialApi(_clock, Hour);

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    private protected readonly TimerRecordingTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private protected readonly CapturingLoggerProvider _logs = new();
    private protected readonly FakeCredentialApi _api;

    public async ValueTask DisposeAsync()
    {
        foreach (var cache in _caches)
        {
            await cache.DisposeAsync();
        }

        SecretAssert.DoesNotLeak(_logs.AllText(), ("database token", "token-1"));
        GC.SuppressFinalize(this);
    }

    private protected DatabaseCredentialCache NewCache(CredentialCachePolicy? policy = null, Func<CancellationToken, Task<DatabaseCredential>>? fetch = null)
    {
        using var factory = LoggerFactory.Create(b => b.AddProvider(_logs).SetMinimumLevel(LogLevel.Trace));
        var cache = new DatabaseCredentialCache(fetch ?? _api.FetchAsync, "test endpoint", policy ?? new CredentialCachePolicy(), _clock, factory.CreateLogger("test"));
        _caches.Add(cache);
        return cache;
    }

    protected static Task WaitUntil(Func<bool> condition) => Poll.UntilAsync(condition, cancellationToken: Ct);

    /// <summary>
    /// Asserts that nothing was requested and nothing will be, without a wall-clock wait: a refresh starts
    /// synchronously (under the cache's lock, in an open or in a timer callback that the fake clock runs inside
    /// Advance), but its request reaches the API later, on the thread pool. So "the API saw <paramref name="requests"/>
    /// requests and no refresh is under way" is certain the moment it holds; a count alone would be read too early.
    /// </summary>
    private protected void AssertNothingRequested(DatabaseCredentialCache cache, int requests)
    {
        Assert.False(IsRefreshing(cache), "a credential refresh is under way");
        Assert.Equal(requests, _api.Requests);
    }

    // The status says whether a refresh is under way, as health output and diagnostics see it.
    private protected static bool IsRefreshing(DatabaseCredentialCache cache) =>
        cache.GetStatus(string.Empty, string.Empty).IsRefreshing;
}
