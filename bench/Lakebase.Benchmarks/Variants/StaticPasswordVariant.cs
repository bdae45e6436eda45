using Lakebase.Benchmarks.Data;
using Lakebase.Benchmarks.Environment;
using Lakebase.EntityFrameworkCore.Connection;
using Lakebase.EntityFrameworkCore.Infrastructure;
using Lakebase.Npgsql;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using Npgsql.EntityFrameworkCore.PostgreSQL.Infrastructure;

namespace Lakebase.Benchmarks.Variants;

/// <summary>
/// UseNpgsql over a data source with a fixed password: a token minted once, valid for a day. (a) adds the retrying
/// execution strategy UseLakebase installs by default, so that comparing it with (b) isolates what Lakebase's
/// credential handling adds; (a₀) is bare UseNpgsql, EF Core's non-retrying default.
/// </summary>
internal sealed class StaticPasswordVariant : ConnectionVariant
{
    private static readonly TimeSpan TokenLifetime = TimeSpan.FromDays(1);

    // The strategy exactly as UseLakebase's default configures it; static, so no per-context allocation beyond
    // UseNpgsql's own (UseLakebase caches its callback too).
    private static readonly Func<ExecutionStrategyDependencies, IExecutionStrategy> StrategyFactory =
        dependencies => new LakebaseRetryingExecutionStrategy(dependencies, LakebaseRetryDefaults.MaxRetryCount, LakebaseRetryDefaults.MaxRetryDelay);

    private static readonly Action<NpgsqlDbContextOptionsBuilder> RetryingStrategy = npgsql => npgsql.ExecutionStrategy(StrategyFactory);

    private readonly NpgsqlDataSource _dataSource;
    private readonly Action<NpgsqlDbContextOptionsBuilder>? _npgsqlOptions;

    public StaticPasswordVariant(BenchEnvironment environment, VariantOptions options, string tag, bool retryingStrategy)
    {
        Kind = retryingStrategy ? VariantKind.StaticPassword : VariantKind.BareStaticPassword;
        _npgsqlOptions = retryingStrategy ? RetryingStrategy : null;
        var builder = PoolSettings.Apply(environment.FrontConnectionString(), options, tag);
        builder.Password = environment.Emulator.MintDatabaseToken(lifetime: TokenLifetime).Token;
        _dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
    }

    public override VariantKind Kind { get; }

    public override DbContextOptions<BenchContext> CreateOptions() =>
        new DbContextOptionsBuilder<BenchContext>().UseNpgsql(_dataSource, _npgsqlOptions).Options;

    public override ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
