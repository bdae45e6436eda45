using BenchmarkDotNet.Attributes;
using Lakebase.Npgsql;
using Lakebase.Npgsql.Credentials;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lakebase.Benchmarks.Micro;

/// <summary>
/// Scenario 5: what Npgsql's password provider costs UseLakebase on every physical open once the credential is
/// cached: <see cref="DatabaseCredentialCache.GetPasswordAsync"/> (async opens) and
/// <see cref="DatabaseCredentialCache.GetPassword"/> (sync opens), against returning a fixed string.
/// </summary>
[MemoryDiagnoser]
public class PasswordLookupBenchmarks
{
    private const string Password = "static-password";
    private DatabaseCredentialCache _cache = null!;

    [GlobalSetup]
    public void Setup()
    {
        var now = DateTimeOffset.UtcNow;
        var credential = new DatabaseCredential("database-token", now, now.AddHours(1));
        _cache = new DatabaseCredentialCache(_ => Task.FromResult(credential), "benchmark", new CredentialCachePolicy(), TimeProvider.System, NullLogger.Instance);

        // Warm: the first lookup fetches and caches; every measured call is a hit.
        _ = _cache.GetPasswordAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup() => _cache.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark(Baseline = true, Description = "static string (floor)")]
    public string StaticPassword() => Password;

    [Benchmark(Description = "GetPasswordAsync, cache hit")]
    public string GetPasswordAsync()
    {
        // Consumed as Npgsql does: a completed ValueTask is read without awaiting.
        var lookup = _cache.GetPasswordAsync(CancellationToken.None);
        return lookup.IsCompletedSuccessfully ? lookup.Result : lookup.AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Description = "GetPassword, cache hit")]
    public string GetPassword() => _cache.GetPassword();
}
