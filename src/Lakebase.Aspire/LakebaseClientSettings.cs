namespace Lakebase.Aspire;

/// <summary>
/// What the Aspire client integration adds around a Lakebase data source, bound from the <c>Aspire:Lakebase</c>
/// configuration section and then <c>Aspire:Lakebase:{name}</c>. The connection settings themselves (Endpoint,
/// WorkspaceHost, ClientId, Host, ...) are <c>LakebaseOptions</c>, read from <c>Aspire:Lakebase:{name}</c> and then
/// from the variables the AppHost injected (<c>LAKEBASE_ENDPOINT</c>, <c>DATABRICKS_*</c>, <c>PG*</c>).
/// </summary>
public sealed class LakebaseClientSettings
{
    /// <summary>The configuration section every Lakebase client reads, before its own <c>{name}</c> sub-section.</summary>
    public const string DefaultConfigSectionName = "Aspire:Lakebase";

    /// <summary>Skip the health check (a credential check plus <c>SELECT 1</c>). Default: a health check is added.</summary>
    public bool DisableHealthChecks { get; set; }

    /// <summary>Skip OpenTelemetry tracing (credential refreshes and Npgsql commands). Default: traced.</summary>
    public bool DisableTracing { get; set; }

    /// <summary>Skip OpenTelemetry metrics (credential cache and Npgsql pool). Default: measured.</summary>
    public bool DisableMetrics { get; set; }

    /// <summary>The health check's timeout; <see langword="null"/> for the health check service's default.</summary>
    public TimeSpan? HealthCheckTimeout { get; set; }
}
