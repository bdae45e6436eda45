using Lakebase.Aspire;
using Lakebase.EntityFrameworkCore.Infrastructure;
using Lakebase.Npgsql;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

// ReSharper disable once CheckNamespace
namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The Aspire client integration for Databricks Lakebase: one line registers the data source (or an EF Core context on
/// it) from the settings an AppHost's <c>WithReference(lakebase)</c> injected, with a health check and OpenTelemetry.
/// </summary>
public static class AspireLakebaseExtensions
{
    /// <summary>
    /// Registers a <see cref="LakebaseDataSource"/> (also as <c>DbDataSource</c> and <c>NpgsqlDataSource</c>) configured
    /// from <c>Aspire:Lakebase:{connectionName}</c>, with what it leaves unset taken from <c>LAKEBASE_ENDPOINT</c>,
    /// <c>DATABRICKS_*</c> and <c>PG*</c>, plus a health check named <c>Lakebase</c>, tracing and metrics, each of
    /// which <see cref="LakebaseClientSettings"/> can turn off. Nothing calls the network until the first open.
    /// </summary>
    /// <param name="builder">The application builder.</param>
    /// <param name="connectionName">The resource name in the AppHost; names the configuration section.</param>
    /// <param name="configureSettings">Changes to the bound <see cref="LakebaseClientSettings"/>.</param>
    /// <param name="configureOptions">Changes to the bound <see cref="LakebaseOptions"/>.</param>
    public static void AddLakebaseDataSource(
        this IHostApplicationBuilder builder,
        string connectionName,
        Action<LakebaseClientSettings>? configureSettings = null,
        Action<LakebaseOptions>? configureOptions = null) =>
        AddLakebase(builder, connectionName, serviceKey: null, configureSettings, configureOptions);

    /// <summary>
    /// Registers a keyed <see cref="LakebaseDataSource"/> under <paramref name="name"/>; otherwise as
    /// <see cref="AddLakebaseDataSource"/> (health check <c>Lakebase_{name}</c>).
    /// </summary>
    /// <param name="builder">The application builder.</param>
    /// <param name="name">The resource name in the AppHost: the service key and the configuration section.</param>
    /// <param name="configureSettings">Changes to the bound <see cref="LakebaseClientSettings"/>.</param>
    /// <param name="configureOptions">Changes to the bound <see cref="LakebaseOptions"/>.</param>
    public static void AddKeyedLakebaseDataSource(
        this IHostApplicationBuilder builder,
        string name,
        Action<LakebaseClientSettings>? configureSettings = null,
        Action<LakebaseOptions>? configureOptions = null) =>
        AddLakebase(builder, name, serviceKey: name, configureSettings, configureOptions);

    /// <summary>
    /// Registers <typeparamref name="TContext"/> on a Lakebase data source registered as
    /// <see cref="AddLakebaseDataSource"/> does (<c>UseLakebase()</c>: retrying execution strategy, credential retry),
    /// with its health check, tracing and metrics.
    /// </summary>
    /// <typeparam name="TContext">The context.</typeparam>
    /// <param name="builder">The application builder.</param>
    /// <param name="connectionName">The resource name in the AppHost; names the configuration section.</param>
    /// <param name="configureSettings">Changes to the bound <see cref="LakebaseClientSettings"/>.</param>
    /// <param name="configureLakebase">Lakebase and Npgsql provider options (e.g. the migrations assembly).</param>
    /// <param name="configureDbContextOptions">Further EF Core options.</param>
    public static void AddLakebaseDbContext<TContext>(
        this IHostApplicationBuilder builder,
        string connectionName,
        Action<LakebaseClientSettings>? configureSettings = null,
        Action<LakebaseDbContextOptionsBuilder>? configureLakebase = null,
        Action<DbContextOptionsBuilder>? configureDbContextOptions = null)
        where TContext : DbContext
    {
        AddLakebase(builder, connectionName, serviceKey: null, configureSettings, configureOptions: null);
        builder.Services.AddDbContext<TContext>(options =>
        {
            options.UseLakebase(configureLakebase);
            configureDbContextOptions?.Invoke(options);
        });
    }

    /// <summary>The settings for <paramref name="name"/>: <c>Aspire:Lakebase</c>, then <c>Aspire:Lakebase:{name}</c>, then code.</summary>
    internal static LakebaseClientSettings BindSettings(IConfiguration configuration, string name, Action<LakebaseClientSettings>? configure)
    {
        var settings = new LakebaseClientSettings();
        var common = configuration.GetSection(LakebaseClientSettings.DefaultConfigSectionName);
        common.Bind(settings);
        common.GetSection(name).Bind(settings);
        configure?.Invoke(settings);
        return settings;
    }

    private static void AddLakebase(
        IHostApplicationBuilder builder,
        string name,
        string? serviceKey,
        Action<LakebaseClientSettings>? configureSettings,
        Action<LakebaseOptions>? configureOptions)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var settings = BindSettings(builder.Configuration, name, configureSettings);
        var section = $"{LakebaseClientSettings.DefaultConfigSectionName}:{name}";

        if (serviceKey is null)
        {
            builder.Services.AddLakebaseDataSource(section, configureOptions);
        }
        else
        {
            builder.Services.AddKeyedLakebaseDataSource(serviceKey, section, configureOptions);
        }

        if (!settings.DisableHealthChecks)
        {
            builder.Services.AddHealthChecks().AddLakebase(
                serviceKey is null ? "Lakebase" : $"Lakebase_{serviceKey}",
                serviceKey,
                probeDatabase: true,
                timeout: settings.HealthCheckTimeout);
        }

        if (!settings.DisableTracing)
        {
            builder.Services.AddOpenTelemetry().WithTracing(tracing => tracing.AddLakebaseInstrumentation());
        }

        if (!settings.DisableMetrics)
        {
            builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddLakebaseInstrumentation());
        }
    }
}
