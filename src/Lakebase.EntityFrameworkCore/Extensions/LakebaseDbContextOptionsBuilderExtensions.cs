using Lakebase.EntityFrameworkCore.Connection;
using Lakebase.EntityFrameworkCore.Diagnostics;
using Lakebase.EntityFrameworkCore.Infrastructure;
using Lakebase.EntityFrameworkCore.Infrastructure.Internal;
using Microsoft.EntityFrameworkCore.Infrastructure;

// ReSharper disable once CheckNamespace
namespace Microsoft.EntityFrameworkCore;

/// <summary>Lakebase-specific extension methods for <see cref="DbContextOptionsBuilder"/>.</summary>
public static class LakebaseDbContextOptionsBuilderExtensions
{
    /// <summary>The environment variables read for the endpoint name, in order.</summary>
    private static readonly string[] EndpointVariables = ["LAKEBASE_ENDPOINT", "ENDPOINT_NAME"];

    /// <summary>
    /// Configures the context to connect to a Databricks Lakebase Autoscaling endpoint with short-lived OAuth database
    /// credentials that are cached, refreshed in the background before they expire, and replaced (with one retry of
    /// the open) when the server rejects one.
    /// </summary>
    /// <param name="optionsBuilder">The builder being used to configure the context.</param>
    /// <param name="endpoint">The endpoint name, <c>projects/{project}/branches/{branch}/endpoints/{endpoint}</c>.</param>
    /// <param name="oauthOptions">How to authenticate to the workspace (see <see cref="LakebaseOAuthOptions.FromEnvironment()"/>).</param>
    /// <param name="configure">Connection settings, tuning and Npgsql options.</param>
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

        var settings = new LakebaseSettings();
        configure?.Invoke(new LakebaseDbContextOptionsBuilder(settings));

        var core = optionsBuilder.Options.FindExtension<CoreOptionsExtension>();
        var dataSource = LakebaseDataSourceRegistry.Shared.GetOrCreate(endpoint ?? string.Empty, oauthOptions, settings, core);

        optionsBuilder.UseNpgsql(dataSource.NpgsqlDataSource, npgsql =>
        {
            if (settings.RetryOnFailure)
            {
                var maxRetryCount = settings.MaxRetryCount ?? LakebaseConnectionDefaults.MaxRetryCount;
                var maxRetryDelay = settings.MaxRetryDelay ?? LakebaseConnectionDefaults.MaxRetryDelay;
                npgsql.ExecutionStrategy(dependencies => new LakebaseRetryingExecutionStrategy(dependencies, maxRetryCount, maxRetryDelay));
            }

            settings.NpgsqlOptions?.Invoke(npgsql);
        });
        optionsBuilder.AddInterceptors(dataSource.Interceptor);
        ((IDbContextOptionsBuilderInfrastructure)optionsBuilder).AddOrUpdateExtension(dataSource.OptionsExtension);
        return optionsBuilder;
    }

    /// <summary>
    /// Configures the context to connect to a Databricks Lakebase Autoscaling endpoint.
    /// See <see cref="UseLakebase(DbContextOptionsBuilder, string, LakebaseOAuthOptions, Action{LakebaseDbContextOptionsBuilder}?)"/>.
    /// </summary>
    /// <typeparam name="TContext">The type of context being configured.</typeparam>
    /// <param name="optionsBuilder">The builder being used to configure the context.</param>
    /// <param name="endpoint">The endpoint name, <c>projects/{project}/branches/{branch}/endpoints/{endpoint}</c>.</param>
    /// <param name="oauthOptions">How to authenticate to the workspace.</param>
    /// <param name="configure">Connection settings, tuning and Npgsql options.</param>
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
    /// <see cref="LakebaseOAuthOptions.FromEnvironment()"/>, connection values from <c>PG*</c>. Handy in an
    /// <c>IDesignTimeDbContextFactory</c> for <c>dotnet ef</c>.
    /// </summary>
    /// <param name="optionsBuilder">The builder being used to configure the context.</param>
    /// <param name="configure">Connection settings, tuning and Npgsql options.</param>
    /// <returns>The options builder, so that further configuration can be chained.</returns>
    /// <exception cref="LakebaseConfigurationException">A required variable is missing or malformed.</exception>
    public static DbContextOptionsBuilder UseLakebaseFromEnvironment(
        this DbContextOptionsBuilder optionsBuilder,
        Action<LakebaseDbContextOptionsBuilder>? configure = null)
    {
        var endpoint = EndpointVariables.Select(Environment.GetEnvironmentVariable).FirstOrDefault(v => !string.IsNullOrWhiteSpace(v))
            ?? throw new LakebaseConfigurationException(
                $"No Lakebase endpoint: set LAKEBASE_ENDPOINT (or ENDPOINT_NAME) to the endpoint name, {LakebaseEndpointName.ExpectedFormat}.");
        return optionsBuilder.UseLakebase(endpoint, LakebaseOAuthOptions.FromEnvironment(), configure);
    }
}
