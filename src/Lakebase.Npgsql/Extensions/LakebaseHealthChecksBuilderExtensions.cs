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
}
