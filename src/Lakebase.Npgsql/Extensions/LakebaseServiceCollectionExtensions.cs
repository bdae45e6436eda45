using System.Data.Common;
using Lakebase.Npgsql;
using Lakebase.Npgsql.Configuration;
using Lakebase.Npgsql.Connection;
using Lakebase.Npgsql.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

// ReSharper disable once CheckNamespace
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Registers a <see cref="LakebaseDataSource"/> that the container owns: built once, on first use, and disposed with the
/// container (its pool, credential cache and refresh timer included). Also registers it as <see cref="DbDataSource"/>,
/// its pool as <see cref="NpgsqlDataSource"/>, and connections, as Npgsql.DependencyInjection does, unless those are
/// already registered. One data source per key: registering a second one under the same key (or a second without a key)
/// throws <see cref="InvalidOperationException"/> naming both registrations, except that a repeat of the same section
/// that brings no settings in code is ignored.
/// </summary>
public static class LakebaseServiceCollectionExtensions
{
    /// <summary>
    /// Registers a Lakebase data source configured from a configuration section (default <c>"Lakebase"</c>), with unset
    /// values taken from the environment (<c>LAKEBASE_ENDPOINT</c>, <c>DATABRICKS_*</c>, <c>PG*</c>). The settings are
    /// validated when the host starts (<c>ValidateOnStart</c>); nothing calls the network until the first open.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configurationSectionPath">The configuration section bound to <see cref="LakebaseOptions"/>.</param>
    /// <param name="configureOptions">Changes to the bound options, applied after binding.</param>
    /// <param name="configureDataSource">Further configuration with access to the container (for example a token provider resolved from it); called when the options are validated at start, and the result is reused.</param>
    /// <returns>The service collection.</returns>
    /// <exception cref="InvalidOperationException">Another Lakebase data source is already registered under the same key, or under a key that collides with it.</exception>
    public static IServiceCollection AddLakebaseDataSource(
        this IServiceCollection services,
        string configurationSectionPath = LakebaseOptions.DefaultSectionName,
        Action<LakebaseOptions>? configureOptions = null,
        Action<IServiceProvider, LakebaseDataSourceBuilder>? configureDataSource = null) =>
        AddFromOptions(services, serviceKey: null, configurationSectionPath, configureOptions, configureDataSource);

    /// <summary>
    /// Registers a keyed Lakebase data source configured from a configuration section; see
    /// <see cref="AddLakebaseDataSource(IServiceCollection, string, Action{LakebaseOptions}?, Action{IServiceProvider, LakebaseDataSourceBuilder}?)"/>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="serviceKey">The key the data source (and its <see cref="DbDataSource"/>, <see cref="NpgsqlDataSource"/>) is registered under.</param>
    /// <param name="configurationSectionPath">The configuration section bound to <see cref="LakebaseOptions"/>.</param>
    /// <param name="configureOptions">Changes to the bound options, applied after binding.</param>
    /// <param name="configureDataSource">Further configuration with access to the container; called when the options are validated at start, and the result is reused.</param>
    /// <returns>The service collection.</returns>
    /// <exception cref="InvalidOperationException">Another Lakebase data source is already registered under the same key, or under a key that collides with it.</exception>
    public static IServiceCollection AddKeyedLakebaseDataSource(
        this IServiceCollection services,
        object serviceKey,
        string configurationSectionPath = LakebaseOptions.DefaultSectionName,
        Action<LakebaseOptions>? configureOptions = null,
        Action<IServiceProvider, LakebaseDataSourceBuilder>? configureDataSource = null)
    {
        ArgumentNullException.ThrowIfNull(serviceKey);
        return AddFromOptions(services, serviceKey, configurationSectionPath, configureOptions, configureDataSource);
    }

    /// <summary>Registers a Lakebase data source configured in code.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="endpoint">The endpoint name, <c>projects/{project}/branches/{branch}/endpoints/{endpoint}</c>.</param>
    /// <param name="oauthOptions">How to authenticate to the workspace.</param>
    /// <returns>The service collection.</returns>
    /// <exception cref="InvalidOperationException">Another Lakebase data source is already registered under the same key, or under a key that collides with it.</exception>
    public static IServiceCollection AddLakebaseDataSource(this IServiceCollection services, string endpoint, LakebaseOAuthOptions oauthOptions) =>
        AddFromCode(services, serviceKey: null, endpoint, oauthOptions, configure: null);

    /// <summary>Registers a Lakebase data source configured in code.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="endpoint">The endpoint name, <c>projects/{project}/branches/{branch}/endpoints/{endpoint}</c>.</param>
    /// <param name="oauthOptions">How to authenticate to the workspace.</param>
    /// <param name="configure">Connection settings and tuning.</param>
    /// <returns>The service collection.</returns>
    /// <exception cref="InvalidOperationException">Another Lakebase data source is already registered under the same key, or under a key that collides with it.</exception>
    public static IServiceCollection AddLakebaseDataSource(
        this IServiceCollection services,
        string endpoint,
        LakebaseOAuthOptions oauthOptions,
        Action<LakebaseDataSourceBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return AddFromCode(services, serviceKey: null, endpoint, oauthOptions, configure);
    }

    /// <summary>Registers a keyed Lakebase data source configured in code.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="serviceKey">The key the data source is registered under.</param>
    /// <param name="endpoint">The endpoint name.</param>
    /// <param name="oauthOptions">How to authenticate to the workspace.</param>
    /// <param name="configure">Connection settings and tuning.</param>
    /// <returns>The service collection.</returns>
    /// <exception cref="InvalidOperationException">Another Lakebase data source is already registered under the same key, or under a key that collides with it.</exception>
    public static IServiceCollection AddKeyedLakebaseDataSource(
        this IServiceCollection services,
        object serviceKey,
        string endpoint,
        LakebaseOAuthOptions oauthOptions,
        Action<LakebaseDataSourceBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(serviceKey);
        ArgumentNullException.ThrowIfNull(configure);
        return AddFromCode(services, serviceKey, endpoint, oauthOptions, configure);
    }

    private static IServiceCollection AddFromOptions(
        IServiceCollection services,
        object? serviceKey,
        string configurationSectionPath,
        Action<LakebaseOptions>? configureOptions,
        Action<IServiceProvider, LakebaseDataSourceBuilder>? configureDataSource)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(configurationSectionPath);
        var optionsName = OptionsName(serviceKey);
        var registration = new LakebaseDataSourceRegistration(serviceKey, optionsName, ReadOnlyKey(serviceKey), configurationSectionPath, configureOptions is not null || configureDataSource is not null)
        {
            Source = $"the configuration section '{configurationSectionPath}'",
        };
        if (!LakebaseDataSourceRegistration.TryRecord(services, registration))
        {
            return services;
        }

        // Bound when first asked for (ValidateOnStart or the first resolve), never while registering.
        var options = services.AddOptions<LakebaseOptions>(optionsName)
            .Configure<IServiceProvider>((o, provider) =>
            {
                if (provider.GetService<IConfiguration>()?.GetSection(configurationSectionPath) is { } section)
                {
                    o.Bind(section);
                }
            });
        if (configureOptions is not null)
        {
            options.Configure(configureOptions);
        }

        // Validation resolves the definition exactly as the factory below does (configureDataSource included: it may
        // bring the credentials), from the same sources, and keeps it.
        options.ValidateOnStart();
        services.AddSingleton<IValidateOptions<LakebaseOptions>>(provider =>
            new LakebaseOptionsValidator(optionsName, configurationSectionPath, o => CreateConfiguredBuilder(provider, o, configureDataSource),
                replaced: () => !provider.GetServices<LakebaseDataSourceRegistration>().Any(r => ReferenceEquals(r, registration))));

        return AddDataSource(services, serviceKey, provider =>
        {
            var bound = provider.GetRequiredService<IOptionsMonitor<LakebaseOptions>>().Get(optionsName);
            return bound.Resolved ?? CreateConfiguredBuilder(provider, bound, configureDataSource).Resolve();
        });
    }

    private static LakebaseDataSourceBuilder CreateConfiguredBuilder(IServiceProvider provider, LakebaseOptions options, Action<IServiceProvider, LakebaseDataSourceBuilder>? configureDataSource)
    {
        var builder = CreateBuilder(provider, options);
        configureDataSource?.Invoke(provider, builder);
        return builder;
    }

    private static IServiceCollection AddFromCode(
        IServiceCollection services,
        object? serviceKey,
        string endpoint,
        LakebaseOAuthOptions oauthOptions,
        Action<LakebaseDataSourceBuilder>? configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(oauthOptions);
        // Settings in code are never a repeat: this records it or throws.
        _ = LakebaseDataSourceRegistration.TryRecord(services, new LakebaseDataSourceRegistration(serviceKey, OptionsName(serviceKey), ReadOnlyKey(serviceKey), Section: null, Configures: true)
        {
            Source = $"code, for the endpoint '{endpoint}'",
        });
        return AddDataSource(services, serviceKey, provider =>
        {
            var builder = WithApplicationServices(provider, new LakebaseDataSourceBuilder(endpoint, oauthOptions));
            configure?.Invoke(builder);
            return builder.Resolve();
        });
    }

    private static IServiceCollection AddDataSource(IServiceCollection services, object? serviceKey, Func<IServiceProvider, LakebaseDataSourceDefinition> resolve)
    {
        if (!services.Any(d => d.ServiceType == typeof(LakebaseHttpClientRegistration)))
        {
            // Handlers that ConfigureHttpClientDefaults gives every client (Aspire's service defaults add a standard
            // resilience handler) are taken off this one: the library already retries the workspace API with its own
            // backoff and honours Retry-After, and a second retry layer beneath it would multiply requests in a
            // rate-limit storm and hide the 429. Handlers added to this client after the first registration stay.
            services.AddSingleton<LakebaseHttpClientRegistration>();
            services.AddHttpClient(LakebaseConnectionDefaults.HttpClientName)
                .ConfigurePrimaryHttpMessageHandler(LakebaseDataSourceParts.CreateHttpHandler)
                .ConfigureAdditionalHttpMessageHandlers((handlers, _) => handlers.Clear());
        }

        services.TryAddSingleton(TimeProvider.System);

        // The container disposes what its factories create; LakebaseDataSource and NpgsqlDataSource both tolerate a
        // second dispose, so the aliases below are safe.
        services.AddKeyedSingleton(serviceKey, (provider, _) => LakebaseDataSourceBuilder.BuildFrom(resolve(provider)));
        services.TryAddKeyedSingleton<DbDataSource>(serviceKey, (provider, key) => provider.GetRequiredKeyedService<LakebaseDataSource>(key));
        services.TryAddKeyedSingleton(serviceKey, (provider, key) => provider.GetRequiredKeyedService<LakebaseDataSource>(key).NpgsqlDataSource);
        services.TryAddKeyedTransient(serviceKey, (provider, key) => provider.GetRequiredKeyedService<LakebaseDataSource>(key).CreateConnection());
        services.TryAddKeyedTransient<DbConnection>(serviceKey, (provider, key) => provider.GetRequiredKeyedService<NpgsqlConnection>(key));

        // Resolves the data source at host start (no network call) and warms it up only when its options ask for it.
        services.AddSingleton<Microsoft.Extensions.Hosting.IHostedService>(provider => new Lakebase.Npgsql.Hosting.LakebaseWarmUpService(
            () => provider.GetRequiredKeyedService<LakebaseDataSource>(serviceKey), provider.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance));

        // The read view (PreferStandby: a read-only host when one answers, else the primary) under its own key, for
        // [FromKeyedServices(LakebaseDataSource.ReadOnlyServiceKey)] DbDataSource; "orders:read-only" for the key "orders".
        if (ReadOnlyKey(serviceKey) is { } readOnlyKey)
        {
            services.TryAddKeyedSingleton<DbDataSource>(readOnlyKey, (provider, _) =>
                provider.GetRequiredKeyedService<LakebaseDataSource>(serviceKey).WithTargetSession(TargetSessionAttributes.PreferStandby));
        }
        return services;
    }

    /// <summary>
    /// The builder for bound options, reading DATABRICKS_*, LAKEBASE_ENDPOINT and PG* from the application's
    /// configuration first (hosts add the process environment to it, and tests or launch profiles can set the same
    /// names there), else the process environment.
    /// </summary>
    private static LakebaseDataSourceBuilder CreateBuilder(IServiceProvider provider, LakebaseOptions options) =>
        WithApplicationServices(provider, LakebaseDataSourceBuilder.FromOptions(options, provider.GetService<IConfiguration>()));

    /// <summary>The application's clock, logging and HTTP clients, where the settings name none of their own.</summary>
    private static LakebaseDataSourceBuilder WithApplicationServices(IServiceProvider provider, LakebaseDataSourceBuilder builder)
    {
        var settings = builder.ConnectionOptions;
        settings.TimeProvider ??= provider.GetService<TimeProvider>();
        settings.LoggerFactory ??= provider.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance;
        settings.HttpClientFactory ??= provider.GetService<IHttpClientFactory>();
        if (provider.GetService<IConfiguration>() is { } configuration && settings.Configuration is null)
        {
            builder.UseConfiguration(configuration);
        }

        return builder;
    }

    private static string? ReadOnlyKey(object? serviceKey) => serviceKey switch
    {
        null => LakebaseDataSource.ReadOnlyServiceKey,
        string key => key + ":read-only",
        _ => null,
    };

    private static string OptionsName(object? serviceKey) => serviceKey is null ? Microsoft.Extensions.Options.Options.DefaultName : $"Lakebase:{serviceKey}";
}
