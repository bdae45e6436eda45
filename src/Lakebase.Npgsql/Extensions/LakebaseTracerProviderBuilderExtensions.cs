using Lakebase.Npgsql;
using Npgsql;

// ReSharper disable once CheckNamespace
namespace OpenTelemetry.Trace;

/// <summary>One-line OpenTelemetry registration of Lakebase's and Npgsql's traces (OpenTelemetry's own namespace, as its instrumentations do).</summary>
public static class LakebaseTracerProviderBuilderExtensions
{
    /// <summary>Subscribes to Lakebase's activity source (credential refreshes) and Npgsql's (commands, through Npgsql.OpenTelemetry).</summary>
    /// <param name="builder">The tracer provider builder.</param>
    /// <returns>The builder.</returns>
    public static TracerProviderBuilder AddLakebaseInstrumentation(this TracerProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddSource(LakebaseTelemetry.Name).AddNpgsql();
    }
}
