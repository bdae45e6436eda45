namespace Lakebase.Aspire.Hosting;

/// <summary>
/// The variables a Lakebase app reads (<c>AddLakebaseDataSource()</c>, <c>UseLakebaseFromEnvironment()</c>, the
/// Databricks SDKs, psql): what <c>WithReference(lakebase)</c> sets on the app when it references one Lakebase
/// resource. It also sets each value in the resource's own configuration section, <c>Aspire:Lakebase:{resource}</c>,
/// and only there when the app references more than one. No database password: there is none.
/// </summary>
public static class LakebaseEnvironment
{
    /// <summary>The endpoint name, <c>projects/{project}/branches/{branch}/endpoints/{endpoint}</c>.</summary>
    public const string Endpoint = "LAKEBASE_ENDPOINT";

    /// <summary>The workspace URL.</summary>
    public const string WorkspaceHost = "DATABRICKS_HOST";

    /// <summary>The service principal's client id (also the PostgreSQL user).</summary>
    public const string ClientId = "DATABRICKS_CLIENT_ID";

    /// <summary>The service principal's OAuth secret (a secret parameter).</summary>
    public const string ClientSecret = "DATABRICKS_CLIENT_SECRET";

    /// <summary>The PostgreSQL host.</summary>
    public const string Host = "PGHOST";

    /// <summary>The PostgreSQL port.</summary>
    public const string Port = "PGPORT";

    /// <summary>The database name.</summary>
    public const string Database = "PGDATABASE";

    /// <summary>The CA file that verifies the server certificate (the emulator's own CA).</summary>
    public const string RootCertificate = "PGSSLROOTCERT";

    /// <summary>
    /// The variable that sets the same value in the app's <c>Aspire:Lakebase:{resource}</c> configuration section,
    /// which <c>builder.AddLakebaseDataSource("{resource}")</c> reads before the unscoped variables: for example
    /// <c>Aspire__Lakebase__orders__Endpoint</c> for <see cref="Endpoint"/> of the resource <c>orders</c>.
    /// </summary>
    /// <param name="resourceName">The Lakebase resource's name in the AppHost.</param>
    /// <param name="variable">One of this class's variables.</param>
    /// <returns>The scoped variable's name, or <see langword="null"/> for a variable that fills no setting of its own
    /// (another implementation of <c>ILakebaseResource</c> may hand out more).</returns>
    internal static string? Scoped(string resourceName, string variable) =>
        SettingName(variable) is { } setting ? $"Aspire__Lakebase__{resourceName}__{setting}" : null;

    // The flat keys of LakebaseOptions that the unscoped variables fill.
    private static string? SettingName(string variable) => variable switch
    {
        Endpoint => "Endpoint",
        WorkspaceHost => "WorkspaceHost",
        ClientId => "ClientId",
        ClientSecret => "ClientSecret",
        Host => "Host",
        Port => "Port",
        Database => "Database",
        RootCertificate => "RootCertificate",
        _ => null,
    };
}
