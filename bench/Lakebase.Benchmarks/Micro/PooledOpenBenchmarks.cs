using BenchmarkDotNet.Attributes;
using Lakebase.Benchmarks.Environment;
using Lakebase.Benchmarks.Variants;
using Lakebase.Npgsql;
using Npgsql;

namespace Lakebase.Benchmarks.Micro;

/// <summary>
/// Scenario 5: what UseLakebase's data source adds to every connection an application takes from a warm pool,
/// through public API only: <see cref="LakebaseDataSource.OpenConnectionAsync"/> and <see cref="LakebaseDataSource.OpenConnection"/>
/// against the same calls on an <see cref="NpgsqlDataSource"/> with a static password and the same settings. Both
/// pools are warm, so nothing reaches the server: the difference is the library's own per-checkout work (use
/// tracking, the lazy pool, the rejected-login guard). The cached credential itself is read only on physical opens,
/// which scenario 1 times against the real TLS login.
/// </summary>
[MemoryDiagnoser]
public class PooledOpenBenchmarks
{
    /// <summary>Method descriptions <see cref="Reporting.TargetEvaluation"/> pairs.</summary>
    public const string NpgsqlAsync = "pooled open: NpgsqlDataSource.OpenConnectionAsync";
    public const string LakebaseAsync = "pooled open: LakebaseDataSource.OpenConnectionAsync";
    public const string NpgsqlSync = "pooled open: NpgsqlDataSource.OpenConnection";
    public const string LakebaseSync = "pooled open: LakebaseDataSource.OpenConnection";

    private NpgsqlDataSource _npgsql = null!;
    private LakebaseDataSource _lakebase = null!;

    /// <summary>The running emulator; set by scenario 5 before BenchmarkDotNet runs (in process) this class.</summary>
    internal static BenchEnvironment? Environment { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var environment = Environment ?? throw new InvalidOperationException("Scenario 5 sets the emulator before running this benchmark.");
        var builder = PoolSettings.Apply(environment.FrontConnectionString(), VariantOptions.Pooled, "bench-hot-a");
        builder.Password = environment.Emulator.MintDatabaseToken(lifetime: TimeSpan.FromDays(1)).Token;
        _npgsql = NpgsqlDataSource.Create(builder.ConnectionString);
        _lakebase = LakebaseVariant.Builder(environment, "bench-hot-b", VariantOptions.Pooled).Build();

        // Warm: the first open logs in (and, for Lakebase, fetches the credential); every measured open is a pool hit.
        _npgsql.OpenConnection().Dispose();
        _lakebase.OpenConnection().Dispose();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _npgsql.Dispose();
        _lakebase.Dispose();
    }

    [Benchmark(Baseline = true, Description = NpgsqlAsync)]
    public async Task NpgsqlOpenAsync()
    {
        await using var connection = await _npgsql.OpenConnectionAsync().ConfigureAwait(false);
    }

    [Benchmark(Description = LakebaseAsync)]
    public async Task LakebaseOpenAsync()
    {
        await using var connection = await _lakebase.OpenConnectionAsync().ConfigureAwait(false);
    }

    [Benchmark(Description = NpgsqlSync)]
    public void NpgsqlOpen() => _npgsql.OpenConnection().Dispose();

    [Benchmark(Description = LakebaseSync)]
    public void LakebaseOpen() => _lakebase.OpenConnection().Dispose();
}
