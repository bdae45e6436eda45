using BenchmarkDotNet.Attributes;
using Lakebase.Benchmarks.Data;
using Lakebase.EntityFrameworkCore.Infrastructure;
using Lakebase.Npgsql;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Lakebase.Benchmarks.Micro;

/// <summary>
/// Informational, beside scenario 5: <c>AddDbContext</c> builds options per scope, so <c>UseLakebase</c> runs once per
/// request (registry lookup included) where plain <c>UseNpgsql(dataSource)</c> only records the data source.
/// Nothing is contacted: the host is given, and no connection is opened.
/// </summary>
[MemoryDiagnoser]
public class OptionsBuildBenchmarks
{
    private NpgsqlDataSource _dataSource = null!;
    private LakebaseOAuthOptions _oauth = null!;
    private Action<LakebaseDbContextOptionsBuilder> _configure = null!;

    [GlobalSetup]
    public void Setup()
    {
        _dataSource = NpgsqlDataSource.Create("Host=127.0.0.1;Port=9;Database=bench;Username=bench;Password=static");
        _oauth = new LakebaseOAuthOptions
        {
            WorkspaceHost = "http://127.0.0.1:9",
            ClientId = "00000000-0000-0000-0000-000000000001",
            ClientSecret = "benchmark-secret",
        };
        _configure = lakebase => lakebase.Host("127.0.0.1").Port(9).Database("bench").ApplicationName("options-benchmark").ReadEnvironment(false);
        _ = UseLakebase(); // creates the shared data source once, as the first request of an application does
    }

    [GlobalCleanup]
    public void Cleanup() => _dataSource.Dispose();

    [Benchmark(Baseline = true, Description = "options: UseNpgsql(dataSource)")]
    public DbContextOptions<BenchContext> UseNpgsql() => new DbContextOptionsBuilder<BenchContext>().UseNpgsql(_dataSource).Options;

    [Benchmark(Description = "options: UseLakebase(...)")]
    public DbContextOptions<BenchContext> UseLakebase() => new DbContextOptionsBuilder<BenchContext>().UseLakebase("projects/p/branches/b/endpoints/e", _oauth, _configure).Options;
}
