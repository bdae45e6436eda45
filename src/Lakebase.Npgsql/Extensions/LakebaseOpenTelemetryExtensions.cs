using Lakebase.Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

// ReSharper disable once CheckNamespace
namespace Npgsql;

/// <summary>One-line OpenTelemetry registration of Lakebase's and Npgsql's traces and metrics.</summary>
public static class LakebaseOpenTelemetryExtensions
{
    /// <summary>Subscribes to Lakebase's activity source (credential refreshes) and Npgsql's (commands, through Npgsql.OpenTelemetry).</summary>
    /// <param name="builder">The tracer provider builder.</param>
    /// <returns>The builder.</returns>
    public static TracerProviderBuilder AddLakebaseInstrumentation(this TracerProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddSource(LakebaseTelemetry.Name).AddNpgsql();
    }

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
