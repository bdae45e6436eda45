using Lakebase.Npgsql.Credentials;
using Lakebase.Testing;
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
}
