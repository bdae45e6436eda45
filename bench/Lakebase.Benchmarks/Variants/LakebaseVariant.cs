using Lakebase.Benchmarks.Data;
using Lakebase.Benchmarks.Environment;
using Lakebase.EntityFrameworkCore.Infrastructure;
using Lakebase.Npgsql;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Lakebase.Benchmarks.Variants;

/// <summary>
/// (b) UseLakebase with a service principal, through public API only: a <see cref="LakebaseDataSourceBuilder"/> data
/// source, as an application builds it, and <c>UseLakebase(dataSource)</c> per context. The measurement owns the
/// data source, so disposing the variant stops its refresh timer. The tag goes into the application name so that
/// every measurement gets its own data source (and so its own, cold, credential cache).
/// </summary>
internal sealed class LakebaseVariant : ConnectionVariant
{
    private readonly Action<LakebaseDbContextOptionsBuilder>? _configure;
    private readonly bool _optionsOnce;
    private DbContextOptions<BenchContext>? _last;

    // optionsOnce: build the options once and share them (as AddDbContextPool or a singleton options lifetime does)
    // instead of calling UseLakebase per context; isolates UseLakebase's per-call configuration cost.
    // noRetry: DisableRetryOnFailure, to attribute the default execution strategy's cost.
    public LakebaseVariant(BenchEnvironment environment, VariantOptions options, string tag, bool optionsOnce = false, bool noRetry = false)
    {
        _optionsOnce = optionsOnce;
        DataSource = Builder(environment, tag, options).Build();
        _configure = noRetry ? DisableRetry : null;
    }

    public override VariantKind Kind => VariantKind.UseLakebase;

    /// <summary>The data source's credential state (next refresh time, requests made), for the refresh storm.</summary>
    public LakebaseDataSource DataSource { get; }

    /// <summary>
    /// The builder every (b) in this project starts from: the emulator's endpoint and service principal, verified TLS,
    /// no environment. Scenario 7 passes the same settings to <c>AddLakebaseDataSource</c>.
    /// </summary>
    public static LakebaseDataSourceBuilder Builder(BenchEnvironment environment, string tag, VariantOptions options)
    {
        var emulator = environment.Emulator;
        var builder = new LakebaseDataSourceBuilder(emulator.EndpointName, OAuth(environment));
        Configure(builder, environment, tag, options);
        return builder;
    }

    public static LakebaseOAuthOptions OAuth(BenchEnvironment environment) => new()
    {
        WorkspaceHost = environment.Emulator.WorkspaceUrl.ToString(),
        ClientId = environment.Emulator.DefaultPrincipal.ClientId,
        ClientSecret = environment.Emulator.DefaultPrincipal.ClientSecret,
    };

    /// <summary>The connection settings of every (b): host and port of the emulator's front, verified TLS, the tag.</summary>
    public static void Configure<TBuilder>(LakebaseConnectionOptionsBuilder<TBuilder> builder, BenchEnvironment environment, string tag, VariantOptions options)
        where TBuilder : LakebaseConnectionOptionsBuilder<TBuilder>
    {
        var emulator = environment.Emulator;
        builder.Host(emulator.Host).Port(emulator.Port).Database(BenchEnvironment.DatabaseName)
            .SslMode(SslMode.VerifyFull).RootCertificate(emulator.CaCertificatePath)
            .ApplicationName(tag).ReadEnvironment(false);
        if (options.RefreshBeforeExpiry is { } lead)
        {
            builder.RefreshBeforeExpiry(lead);
        }

        if (!options.Pooling)
        {
            builder.ConfigureDataSource(DisablePooling);
        }
    }

    public override DbContextOptions<BenchContext> CreateOptions() =>
        _optionsOnce && _last is not null ? _last : _last = new DbContextOptionsBuilder<BenchContext>().UseLakebase(DataSource, _configure).Options;

    /// <summary>Npgsql's connection string as UseLakebase built it (no password), once the first open built the pool.</summary>
    public override string EffectiveConnectionString => DataSource.ConnectionString;

    // Disposes this measurement's data source: its pool and, above all, its refresh timer, which would otherwise
    // keep requesting credentials (3-second tokens!) during every later measurement and skew their counts.
    public override ValueTask DisposeAsync() => DataSource.DisposeAsync();

    private static void DisableRetry(LakebaseDbContextOptionsBuilder lakebase) => lakebase.DisableRetryOnFailure();

    private static void DisablePooling(NpgsqlDataSourceBuilder builder) => builder.ConnectionStringBuilder.Pooling = false;
}
