using Lakebase.Npgsql;
using Lakebase.Npgsql.Health;
using Microsoft.Extensions.Diagnostics.HealthChecks;

// ReSharper disable once CheckNamespace
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Health checks for Lakebase data sources registered with <c>AddLakebaseDataSource</c>.</summary>
public static class LakebaseHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds a health check of the Lakebase data source's database credential: Healthy, Degraded (a still-valid
    /// credential is served while refreshing it fails) or Unhealthy (expired credential, or logins refused), with the
    /// credential's state and no secret. With <paramref name="probeDatabase"/> it also runs <c>SELECT 1</c>.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The check's name.</param>
    /// <param name="serviceKey">The key of a keyed data source, or <see langword="null"/>.</param>
    /// <param name="probeDatabase">Also open a connection and run <c>SELECT 1</c>.</param>
    /// <param name="failureStatus">The status reported on failure (default Unhealthy).</param>
    /// <param name="tags">Tags for filtering checks.</param>
    /// <param name="timeout">The check's timeout.</param>
    /// <returns>The builder.</returns>
    public static IHealthChecksBuilder AddLakebase(
        this IHealthChecksBuilder builder,
        string name = "lakebase",
        object? serviceKey = null,
        bool probeDatabase = false,
        HealthStatus? failureStatus = null,
        IEnumerable<string>? tags = null,
        TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Add(new HealthCheckRegistration(
            name,
            provider => new LakebaseHealthCheck(() => provider.GetRequiredKeyedService<LakebaseDataSource>(serviceKey), probeDatabase),
            failureStatus,
            tags,
            timeout));
    }

    /// <summary>
    /// Adds a readiness check (tagged <c>ready</c>) that stays unhealthy until the Lakebase data source holds a usable
    /// database credential: with <c>WarmUp</c> on, that is as soon as start-up has fetched it; without, after the first
    /// open. Map it to the endpoint your load balancer or orchestrator asks before sending traffic, e.g.
    /// <c>app.MapHealthChecks("/health/ready", new() { Predicate = c =&gt; c.Tags.Contains("ready") })</c>.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The registration's name.</param>
    /// <param name="serviceKey">The key of a keyed data source, or <see langword="null"/>.</param>
    /// <param name="tags">Tags for the check (default <c>ready</c>).</param>
    /// <returns>The builder.</returns>
    public static IHealthChecksBuilder AddLakebaseReadiness(
        this IHealthChecksBuilder builder,
        string name = "lakebase-ready",
        object? serviceKey = null,
        IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Add(new HealthCheckRegistration(
            name,
            provider => new LakebaseReadinessCheck(() => provider.GetRequiredKeyedService<LakebaseDataSource>(serviceKey)),
            HealthStatus.Unhealthy,
            tags ?? ["ready"]));
    }
}
