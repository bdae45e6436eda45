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
/// UseNpgsql over a data source with a fixed password: a token minted once, valid for a day. (a) adds the execution
/// strategy UseLakebase installs by default (<see cref="LakebaseExecutionStrategy"/>), so that comparing it with (b)
/// isolates what Lakebase's credential handling adds; (a₀) is bare UseNpgsql, EF Core's non-retrying default.
/// </summary>
internal sealed class StaticPasswordVariant : ConnectionVariant
{
    private static readonly TimeSpan TokenLifetime = TimeSpan.FromDays(1);

    // The strategy exactly as UseLakebase's default configures it; static, so no per-context allocation beyond
    // UseNpgsql's own (UseLakebase caches its callback too).
    /// <summary>The strategy class UseLakebase installs by default, for the report.</summary>
    public const string StrategyName = nameof(LakebaseExecutionStrategy);

    private static readonly Func<ExecutionStrategyDependencies, IExecutionStrategy> StrategyFactory =
        dependencies => new LakebaseExecutionStrategy(dependencies, LakebaseRetryDefaults.MaxRetryCount, LakebaseRetryDefaults.MaxRetryDelay);

    /// <summary>UseNpgsql's options callback that installs UseLakebase's default strategy (scenario 7's (a) uses it too).</summary>
    public static readonly Action<NpgsqlDbContextOptionsBuilder> RetryingStrategy = npgsql => npgsql.ExecutionStrategy(StrategyFactory);

    private readonly NpgsqlDataSource _dataSource;
    private readonly Action<NpgsqlDbContextOptionsBuilder>? _npgsqlOptions;

    public StaticPasswordVariant(BenchEnvironment environment, VariantOptions options, string tag, bool retryingStrategy)
    {
        Kind = retryingStrategy ? VariantKind.StaticPassword : VariantKind.BareStaticPassword;
        _npgsqlOptions = retryingStrategy ? RetryingStrategy : null;
        _dataSource = CreateDataSource(environment, options, tag);
    }

    public override VariantKind Kind { get; }

    /// <summary>A data source over the emulator's front with a one-day token as its fixed password and UseLakebase's settings.</summary>
    public static NpgsqlDataSource CreateDataSource(BenchEnvironment environment, VariantOptions options, string tag)
    {
        var builder = PoolSettings.Apply(environment.FrontConnectionString(), options, tag);
        builder.Password = environment.Emulator.MintDatabaseToken(lifetime: TokenLifetime).Token;
        return NpgsqlDataSource.Create(builder.ConnectionString);
    }

    public override DbContextOptions<BenchContext> CreateOptions() =>
        new DbContextOptionsBuilder<BenchContext>().UseNpgsql(_dataSource, _npgsqlOptions).Options;

    // Npgsql keeps the password out of a data source's ConnectionString unless Persist Security Info is set.
    public override string EffectiveConnectionString => _dataSource.ConnectionString;

    public override ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
