using Lakebase.EntityFrameworkCore.Connection;
using Lakebase.EntityFrameworkCore.Infrastructure;
using Lakebase.EntityFrameworkCore.Infrastructure.Internal;
using Lakebase.Npgsql;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Npgsql.EntityFrameworkCore.PostgreSQL.Infrastructure;
using Npgsql.EntityFrameworkCore.PostgreSQL.Infrastructure.Internal;

// ReSharper disable once CheckNamespace
namespace Microsoft.EntityFrameworkCore;

/// <summary>Lakebase-specific extension methods for <see cref="DbContextOptionsBuilder"/>.</summary>
public static class LakebaseDbContextOptionsBuilderExtensions
{
    /// <summary>
    /// Configures the context to use the <see cref="LakebaseDataSource"/> registered in the application's container
    /// with <c>services.AddLakebaseDataSource(...)</c>, as <c>UseNpgsql()</c> does with a registered data source. The
    /// container owns the data source (one pool, one credential cache) and disposes it.
    /// </summary>
    /// <param name="optionsBuilder">The builder being used to configure the context.</param>
    /// <param name="configure">EF Core options: retrying execution strategy, Npgsql provider options.</param>
    /// <param name="serviceKey">The key of a keyed data source (<c>AddKeyedLakebaseDataSource</c>), or <see langword="null"/>.</param>
    /// <returns>The options builder, so that further configuration can be chained.</returns>
    /// <exception cref="LakebaseConfigurationException">No Lakebase data source is registered, or a connection setting was given here.</exception>
    public static DbContextOptionsBuilder UseLakebase(
        this DbContextOptionsBuilder optionsBuilder,
        Action<LakebaseDbContextOptionsBuilder>? configure = null,
        object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(optionsBuilder);
        var settings = LakebaseEfSettings.Collect(configure, ownsDataSource: false);

        var services = optionsBuilder.Options.FindExtension<CoreOptionsExtension>()?.ApplicationServiceProvider;
        var dataSource = services?.GetKeyedService<LakebaseDataSource>(serviceKey)
            ?? throw new LakebaseConfigurationException(
                "UseLakebase() uses the Lakebase data source registered in the application's container, but " +
                (services is null ? "this context has no application service provider (it was not configured through AddDbContext)" : $"none is registered{(serviceKey is null ? string.Empty : $" under the key '{serviceKey}'")}") +
                ". Register one with services.AddLakebaseDataSource() (configuration section \"Lakebase\"), or call UseLakebase(endpoint, oauthOptions) to let EF Core build one.");
        return Apply(optionsBuilder, dataSource, settings);
    }

    /// <summary>
    /// Configures the context to use a <see cref="LakebaseDataSource"/> you built (with <see cref="LakebaseDataSourceBuilder"/>)
    /// and own.
    /// </summary>
    /// <param name="optionsBuilder">The builder being used to configure the context.</param>
    /// <param name="dataSource">The data source.</param>
    /// <param name="configure">EF Core options: retrying execution strategy, Npgsql provider options.</param>
    /// <returns>The options builder, so that further configuration can be chained.</returns>
    public static DbContextOptionsBuilder UseLakebase(
        this DbContextOptionsBuilder optionsBuilder,
        LakebaseDataSource dataSource,
        Action<LakebaseDbContextOptionsBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(optionsBuilder);
        ArgumentNullException.ThrowIfNull(dataSource);
        return Apply(optionsBuilder, dataSource, LakebaseEfSettings.Collect(configure, ownsDataSource: false));
    }

    /// <summary>
    /// Configures the context to connect to a Databricks Lakebase Autoscaling endpoint with short-lived OAuth database
    /// credentials that are cached, refreshed in the background before they expire, and replaced (with one retry of
    /// the open) when the server rejects one. EF Core builds and shares the data source: one per distinct configuration
    /// in the process, disposed when the host stops. After 15 minutes without a connection being opened its pooled
    /// connections are closed (and its credential refresh has paused), so the compute can suspend; the next open
    /// connects again. No network call is made while options are built.
    /// </summary>
    /// <param name="optionsBuilder">The builder being used to configure the context.</param>
    /// <param name="endpoint">The endpoint name, <c>projects/{project}/branches/{branch}/endpoints/{endpoint}</c>.</param>
    /// <param name="oauthOptions">How to authenticate to the workspace (see <see cref="LakebaseOAuthOptions.FromEnvironment()"/>).</param>
    /// <param name="configure">Connection settings, tuning and EF Core options.</param>
    /// <returns>The options builder, so that further configuration can be chained.</returns>
    /// <exception cref="LakebaseConfigurationException">The endpoint name or the options are malformed or incomplete.</exception>
    public static DbContextOptionsBuilder UseLakebase(
        this DbContextOptionsBuilder optionsBuilder,
        string endpoint,
        LakebaseOAuthOptions oauthOptions,
        Action<LakebaseDbContextOptionsBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(optionsBuilder);
        ArgumentNullException.ThrowIfNull(oauthOptions);

        var settings = LakebaseEfSettings.Collect(configure, ownsDataSource: true);
        var core = optionsBuilder.Options.FindExtension<CoreOptionsExtension>();
        var dataSource = LakebaseDataSourceRegistry.Shared.GetOrCreate(endpoint ?? string.Empty, oauthOptions, settings.DataSource, core);
        return Apply(optionsBuilder, dataSource, settings);
    }

    /// <summary>Configures the context to use the container's Lakebase data source; see <see cref="UseLakebase(DbContextOptionsBuilder, Action{LakebaseDbContextOptionsBuilder}?, object?)"/>.</summary>
    /// <typeparam name="TContext">The type of context being configured.</typeparam>
    /// <param name="optionsBuilder">The builder being used to configure the context.</param>
    /// <param name="configure">EF Core options.</param>
    /// <param name="serviceKey">The key of a keyed data source, or <see langword="null"/>.</param>
    /// <returns>The options builder.</returns>
    public static DbContextOptionsBuilder<TContext> UseLakebase<TContext>(
        this DbContextOptionsBuilder<TContext> optionsBuilder,
        Action<LakebaseDbContextOptionsBuilder>? configure = null,
        object? serviceKey = null)
        where TContext : DbContext =>
        (DbContextOptionsBuilder<TContext>)UseLakebase((DbContextOptionsBuilder)optionsBuilder, configure, serviceKey);

    /// <summary>Configures the context to use a data source you own; see <see cref="UseLakebase(DbContextOptionsBuilder, LakebaseDataSource, Action{LakebaseDbContextOptionsBuilder}?)"/>.</summary>
    /// <typeparam name="TContext">The type of context being configured.</typeparam>
    /// <param name="optionsBuilder">The builder being used to configure the context.</param>
    /// <param name="dataSource">The data source.</param>
    /// <param name="configure">EF Core options.</param>
    /// <returns>The options builder.</returns>
    public static DbContextOptionsBuilder<TContext> UseLakebase<TContext>(
        this DbContextOptionsBuilder<TContext> optionsBuilder,
        LakebaseDataSource dataSource,
        Action<LakebaseDbContextOptionsBuilder>? configure = null)
        where TContext : DbContext =>
        (DbContextOptionsBuilder<TContext>)UseLakebase((DbContextOptionsBuilder)optionsBuilder, dataSource, configure);

    /// <summary>
    /// Configures the context to connect to a Databricks Lakebase Autoscaling endpoint.
    /// See <see cref="UseLakebase(DbContextOptionsBuilder, string, LakebaseOAuthOptions, Action{LakebaseDbContextOptionsBuilder}?)"/>.
    /// </summary>
    /// <typeparam name="TContext">The type of context being configured.</typeparam>
    /// <param name="optionsBuilder">The builder being used to configure the context.</param>
    /// <param name="endpoint">The endpoint name, <c>projects/{project}/branches/{branch}/endpoints/{endpoint}</c>.</param>
    /// <param name="oauthOptions">How to authenticate to the workspace.</param>
    /// <param name="configure">Connection settings, tuning and EF Core options.</param>
    /// <returns>The options builder, so that further configuration can be chained.</returns>
    public static DbContextOptionsBuilder<TContext> UseLakebase<TContext>(
        this DbContextOptionsBuilder<TContext> optionsBuilder,
        string endpoint,
        LakebaseOAuthOptions oauthOptions,
        Action<LakebaseDbContextOptionsBuilder>? configure = null)
        where TContext : DbContext =>
        (DbContextOptionsBuilder<TContext>)UseLakebase((DbContextOptionsBuilder)optionsBuilder, endpoint, oauthOptions, configure);

    /// <summary>
    /// Configures the context entirely from the environment, as Databricks Apps and the Databricks CLI set it up: the
    /// endpoint from <c>LAKEBASE_ENDPOINT</c> (or <c>ENDPOINT_NAME</c>), workspace authentication from
    /// <c>DATABRICKS_*</c> and <c>~/.databrickscfg</c>, connection values from <c>PG*</c>; the application's configuration
    /// is read before the process environment when the context has one. Handy in an <c>IDesignTimeDbContextFactory</c>
    /// for <c>dotnet ef</c>. The same resolution as <c>services.AddLakebaseDataSource()</c>.
    /// </summary>
    /// <param name="optionsBuilder">The builder being used to configure the context.</param>
    /// <param name="configure">Connection settings, tuning and EF Core options.</param>
    /// <returns>The options builder, so that further configuration can be chained.</returns>
    /// <exception cref="LakebaseConfigurationException">A required variable is missing or malformed.</exception>
    public static DbContextOptionsBuilder UseLakebaseFromEnvironment(
        this DbContextOptionsBuilder optionsBuilder,
        Action<LakebaseDbContextOptionsBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(optionsBuilder);
        var configuration = optionsBuilder.Options.FindExtension<CoreOptionsExtension>()?.ApplicationServiceProvider?.GetService<IConfiguration>();
        var fromEnvironment = LakebaseDataSourceBuilder.FromOptions(new LakebaseOptions(), configuration);
        if (string.IsNullOrEmpty(fromEnvironment.Endpoint))
        {
            throw new LakebaseConfigurationException(
                $"No Lakebase endpoint: set LAKEBASE_ENDPOINT (or ENDPOINT_NAME) to the endpoint name, {LakebaseEndpointName.ExpectedFormat}.");
        }

        return optionsBuilder.UseLakebase(fromEnvironment.Endpoint, fromEnvironment.OAuthOptions, configure);
    }

    private static DbContextOptionsBuilder Apply(DbContextOptionsBuilder optionsBuilder, LakebaseDataSource dataSource, LakebaseEfSettings settings)
    {
        // Runs for every DbContext options build (AddDbContext builds options per scope), so it allocates only what
        // EF Core itself must: no closure unless Npgsql options were given, and no execution strategy in the Npgsql
        // options (LakebaseOptionsExtension.ApplyServices registers it once per internal service provider).
        //
        // The interceptors, likewise, are registered in EF Core's internal service provider by the options extension:
        // AddInterceptors would clone CoreOptionsExtension, about 3 KB per build (its field initializers rebuild the
        // default warnings configuration). A context given its own internal service provider never runs
        // ApplyServices, so it gets the interceptors and the strategy in its options.
        var core = optionsBuilder.Options.FindExtension<CoreOptionsExtension>();
        var ownServiceProvider = core?.InternalServiceProvider is not null;
        var retry = settings.RetryPolicy;
        UseNpgsql(optionsBuilder, core, dataSource, settings.TargetSession, LakebaseNpgsqlOptions.For(settings.NpgsqlOptions, ownServiceProvider ? retry : null));
        if (ownServiceProvider && !LakebaseOptionsExtension.HasInterceptor(core!.Interceptors))
        {
            optionsBuilder.AddInterceptors(LakebaseOptionsExtension.Interceptors);
        }

        ((IDbContextOptionsBuilderInfrastructure)optionsBuilder).AddOrUpdateExtension(dataSource.OptionsExtension(settings.TargetSession, retry));
        return optionsBuilder;
    }

    // What UseNpgsql(dataSource, npgsqlOptions) does, without its per-build allocations in the common case: on options
    // that hold no Npgsql settings yet (or only the shared extension of this data source and target session, from an
    // earlier UseLakebase), with no Npgsql options to apply (neither the application's nor the strategy of a context
    // with its own internal service provider), the data source's one immutable efcore.pg extension goes in as it is,
    // where UseNpgsql would create one and clone it. The default warning configuration is applied as efcore.pg applies
    // it. Anything else is UseNpgsql's.
#pragma warning disable EF1001 // efcore.pg's options extension is internal API; see LakebaseDataSourceExtensions.
    private static void UseNpgsql(
        DbContextOptionsBuilder optionsBuilder,
        CoreOptionsExtension? core,
        LakebaseDataSource dataSource,
        TargetSessionAttributes? targetSession,
        Action<NpgsqlDbContextOptionsBuilder>? npgsqlOptions)
    {
        if (npgsqlOptions is null)
        {
            var shared = dataSource.NpgsqlExtension(targetSession);
            var existing = optionsBuilder.Options.FindExtension<NpgsqlOptionsExtension>();
            if (existing is null || ReferenceEquals(existing, shared))
            {
                var infrastructure = (IDbContextOptionsBuilderInfrastructure)optionsBuilder;
                infrastructure.AddOrUpdateExtension(shared);
                infrastructure.AddOrUpdateExtension(RelationalOptionsExtension.WithDefaultWarningConfiguration(core ?? new CoreOptionsExtension()));
                return;
            }
        }

        optionsBuilder.UseNpgsql(dataSource.View(targetSession), npgsqlOptions);
    }
#pragma warning restore EF1001
}
