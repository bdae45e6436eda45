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
    /// with its health check, tracing and metrics. Another call for the same resource (<see cref="AddLakebaseDataSource"/>,
    /// or a second context) shares that data source; a context on a second resource needs that resource keyed
    /// (<see cref="AddKeyedLakebaseDataSource"/> and <c>UseLakebase(serviceKey: name)</c>), which the error says.
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

    /// <summary>
    /// Whether this is the first registration of the data source under <paramref name="serviceKey"/>. Registering the
    /// same resource again (<c>AddLakebaseDataSource("db")</c> and <c>AddLakebaseDbContext&lt;T&gt;("db")</c>, or two
    /// contexts on it) shares the first registration's data source, health check and telemetry: a second health check of
    /// the same name would fail every health request, and a second binding would merge into the first's options. A
    /// different resource under the same key would silently get the first one's data source, so it is refused.
    /// </summary>
    private static bool FirstRegistration(IHostApplicationBuilder builder, string name, string? serviceKey, bool configures)
    {
        var property = RegistrationProperty(serviceKey);
        if (!builder.Properties.TryGetValue(property, out var registered))
        {
            builder.Properties[property] = name;
            return true;
        }

        var described = serviceKey is null ? "the application's Lakebase data source (not keyed)" : $"the Lakebase data source keyed '{serviceKey}'";
        // Configuration keys, and so resource names as sections, ignore case.
        if (!string.Equals((string)registered, name, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException(
                $"{described} is already registered for the Lakebase resource '{registered}', so it cannot also be registered for '{name}'. " +
                $"Register the second resource keyed: builder.AddKeyedLakebaseDataSource(\"{name}\"), and a context on it with " +
                $"builder.Services.AddDbContext<TContext>(o => o.UseLakebase(serviceKey: \"{name}\")).");
        }

        if (configures)
        {
            throw new InvalidOperationException(
                $"{described} for the Lakebase resource '{name}' is already registered, and this call's configureSettings or configureOptions would not reach it. " +
                "Pass them to the first AddLakebaseDataSource, AddKeyedLakebaseDataSource or AddLakebaseDbContext call for this resource.");
        }

        return false;
    }

    private static string RegistrationProperty(string? serviceKey) => $"Lakebase.Aspire.DataSource:{serviceKey}";

    private static void AddLakebase(
        IHostApplicationBuilder builder,
        string name,
        string? serviceKey,
        Action<LakebaseClientSettings>? configureSettings,
        Action<LakebaseOptions>? configureOptions)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (!FirstRegistration(builder, name, serviceKey, configureSettings is not null || configureOptions is not null))
        {
            return;
        }

        LakebaseClientSettings settings;
        var section = $"{LakebaseClientSettings.DefaultConfigSectionName}:{name}";
        try
        {
            settings = BindSettings(builder.Configuration, name, configureSettings);
            if (serviceKey is null)
            {
                builder.Services.AddLakebaseDataSource(section, configureOptions);
            }
            else
            {
                builder.Services.AddKeyedLakebaseDataSource(serviceKey, section, configureOptions);
            }
        }
        catch
        {
            // Bad settings, or refused (the application registered a data source under this key itself): this resource
            // is not registered, and a corrected call must not be taken for a repeat.
            builder.Properties.Remove(RegistrationProperty(serviceKey));
            throw;
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
