namespace Lakebase.Aspire.Hosting;

/// <summary>
/// The variables a Lakebase app reads (<c>AddLakebaseDataSource()</c>, <c>UseLakebaseFromEnvironment()</c>, the
/// Databricks SDKs, psql): what <c>WithReference(lakebase)</c> sets on the app. No database password: there is none.
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
}
