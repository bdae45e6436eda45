using Lakebase.Npgsql;
using Npgsql;

// ReSharper disable once CheckNamespace
namespace OpenTelemetry.Metrics;

/// <summary>One-line OpenTelemetry registration of Lakebase's and Npgsql's metrics (OpenTelemetry's own namespace, as its instrumentations do).</summary>
public static class LakebaseMeterProviderBuilderExtensions
{
    /// <summary>
    /// Subscribes to Lakebase's meter (credential requests, their duration, the credential's time left and age,
    /// authentication retries) and Npgsql's (pool and command metrics, through Npgsql.OpenTelemetry).
    /// </summary>
    /// <param name="builder">The meter provider builder.</param>
    /// <returns>The builder.</returns>
    public static MeterProviderBuilder AddLakebaseInstrumentation(this MeterProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddMeter(LakebaseTelemetry.Name).AddNpgsqlInstrumentation();
    }
}
