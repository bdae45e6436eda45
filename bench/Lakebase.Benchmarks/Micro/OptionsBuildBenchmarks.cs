using BenchmarkDotNet.Attributes;
using Lakebase.Benchmarks.Data;
using Lakebase.EntityFrameworkCore.Infrastructure;
using Lakebase.Npgsql;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Lakebase.Benchmarks.Micro;

/// <summary>
/// The per-context cost of each <c>UseLakebase</c> form against <c>UseNpgsql(dataSource)</c>: <c>AddDbContext</c>
/// builds options for every scope, so this runs once per request. Nothing is contacted: the host is given, and no
/// connection is opened. Each form has its own baseline doing the same surrounding work, so the difference is
/// UseLakebase's alone:
/// <list type="bullet">
/// <item><c>UseLakebase()</c>, the recommended form, as <c>AddDbContext</c> runs it: a new scope resolving
/// <c>DbContextOptions&lt;T&gt;</c>, against the same with <c>UseNpgsql(dataSource)</c> in the registration.</item>
/// <item><c>UseLakebase(dataSource)</c> and the container-less <c>UseLakebase(endpoint, oauth, configure)</c> on a new
/// <c>DbContextOptionsBuilder</c>, against <c>UseNpgsql(dataSource)</c> on one.</item>
/// </list>
/// </summary>
[MemoryDiagnoser]
public class OptionsBuildBenchmarks
{
    /// <summary>Method names <see cref="Reporting.TargetEvaluation"/> pairs: each form with its baseline.</summary>
    public const string BuilderBaseline = "options: UseNpgsql(dataSource)";
    public const string DataSourceForm = "options: UseLakebase(dataSource)";
    public const string ContainerlessForm = "options: UseLakebase(endpoint, oauth)";
    public const string ScopeBaseline = "scope: AddDbContext + UseNpgsql(dataSource)";
    public const string ContainerForm = "scope: AddDbContext + UseLakebase()";

    private const string Endpoint = "projects/p/branches/b/endpoints/e";
    private NpgsqlDataSource _dataSource = null!;
    private LakebaseDataSource _lakebaseDataSource = null!;
    private LakebaseOAuthOptions _oauth = null!;
    private Action<LakebaseDbContextOptionsBuilder> _configure = null!;
    private ServiceProvider _npgsqlServices = null!;
    private ServiceProvider _lakebaseServices = null!;

    [GlobalSetup]
    public void Setup()
    {
        _dataSource = NpgsqlDataSource.Create("Host=127.0.0.1;Port=9;Database=bench;Username=00000000-0000-0000-0000-000000000001;Password=static");
        _oauth = new LakebaseOAuthOptions
        {
            WorkspaceHost = "http://127.0.0.1:9",
            ClientId = "00000000-0000-0000-0000-000000000001",
            ClientSecret = "benchmark-secret",
        };
        _configure = lakebase => lakebase.Host("127.0.0.1").Port(9).Database("bench").ApplicationName("options-benchmark").ReadEnvironment(false);
        _lakebaseDataSource = new LakebaseDataSourceBuilder(Endpoint, _oauth)
            .Host("127.0.0.1").Port(9).Database("bench").ApplicationName("options-benchmark-owned").ReadEnvironment(false).Build();

        _npgsqlServices = new ServiceCollection()
            .AddDbContext<BenchContext>(o => o.UseNpgsql(_dataSource))
            .BuildServiceProvider();
        _lakebaseServices = new ServiceCollection()
            .AddLakebaseDataSource(Endpoint, _oauth, lakebase => lakebase.Host("127.0.0.1").Port(9).Database("bench").ApplicationName("options-benchmark-di").ReadEnvironment(false))
            .AddDbContext<BenchContext>(o => o.UseLakebase())
            .BuildServiceProvider();

        // The first call of each form creates what an application creates once (the shared data source, the
        // container's singletons); every measured call is a steady-state per-request build.
        _ = UseLakebase();
        _ = ScopedUseLakebase();
        _ = ScopedUseNpgsql();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _npgsqlServices.Dispose();
        _lakebaseServices.Dispose();
        _lakebaseDataSource.Dispose();
        _dataSource.Dispose();
    }

    [Benchmark(Baseline = true, Description = BuilderBaseline)]
    public DbContextOptions<BenchContext> UseNpgsql() => new DbContextOptionsBuilder<BenchContext>().UseNpgsql(_dataSource).Options;

    [Benchmark(Description = DataSourceForm)]
    public DbContextOptions<BenchContext> UseLakebaseDataSource() => new DbContextOptionsBuilder<BenchContext>().UseLakebase(_lakebaseDataSource).Options;

    [Benchmark(Description = ContainerlessForm)]
    public DbContextOptions<BenchContext> UseLakebase() => new DbContextOptionsBuilder<BenchContext>().UseLakebase(Endpoint, _oauth, _configure).Options;

    [Benchmark(Description = ScopeBaseline)]
    public DbContextOptions<BenchContext> ScopedUseNpgsql() => ResolveInScope(_npgsqlServices);

    [Benchmark(Description = ContainerForm)]
    public DbContextOptions<BenchContext> ScopedUseLakebase() => ResolveInScope(_lakebaseServices);

    // What a request does: a new scope, whose DbContextOptions<T> AddDbContext builds (scoped by default).
    private static DbContextOptions<BenchContext> ResolveInScope(ServiceProvider services)
    {
        using var scope = services.CreateScope();
        return scope.ServiceProvider.GetRequiredService<DbContextOptions<BenchContext>>();
    }
}
