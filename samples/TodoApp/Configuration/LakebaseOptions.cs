namespace TodoApp.Configuration;

/// <summary>
/// The "Lakebase" configuration section: where the todos live. Bound from appsettings.json, user secrets, and the
/// environment (the Databricks names are mapped in by <see cref="DatabricksEnvironmentVariables"/>).
/// All empty means: run on the local emulator.
/// </summary>
public sealed class LakebaseOptions
{
    public const string SectionName = "Lakebase";

    /// <summary>The endpoint name, projects/{project}/branches/{branch}/endpoints/{endpoint} (LAKEBASE_ENDPOINT, ENDPOINT_NAME).</summary>
    public string? Endpoint { get; set; }

    /// <summary>The workspace URL (DATABRICKS_HOST).</summary>
    public string? WorkspaceHost { get; set; }

    /// <summary>The service principal's client id (DATABRICKS_CLIENT_ID).</summary>
    public string? ClientId { get; set; }

    /// <summary>The service principal's OAuth secret (DATABRICKS_CLIENT_SECRET). Never in appsettings.json.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>A personal access token, for development (DATABRICKS_TOKEN). Never in appsettings.json.</summary>
    public string? Token { get; set; }

    /// <summary>The endpoint's host name (PGHOST); looked up from the workspace API when not set.</summary>
    public string? Host { get; set; }

    /// <summary>The port (PGPORT); 5432 when not set.</summary>
    public int? Port { get; set; }

    /// <summary>The database (PGDATABASE).</summary>
    public string? Database { get; set; }

    /// <summary>The PostgreSQL user (PGUSER); the client id when not set.</summary>
    public string? Username { get; set; }

    /// <summary>Npgsql SSL mode name (PGSSLMODE); Lakebase requires TLS, so Require when not set.</summary>
    public string? SslMode { get; set; }

    /// <summary>Shown in pg_stat_activity (PGAPPNAME).</summary>
    public string? ApplicationName { get; set; }

    /// <summary>Apply EF migrations at startup on Lakebase. The local emulator is always migrated.</summary>
    public bool MigrateOnStartup { get; set; }

    public LocalEmulatorOptions Emulator { get; set; } = new();

    /// <summary>No Databricks setting at all: the app runs on the local emulator.</summary>
    public bool UsesLocalEmulator =>
        IsUnset(Endpoint) && IsUnset(WorkspaceHost) && IsUnset(ClientId) && IsUnset(ClientSecret) && IsUnset(Token);

    internal static bool IsUnset(string? value) => string.IsNullOrWhiteSpace(value);
}

/// <summary>The "Lakebase:Emulator" section.</summary>
public sealed class LocalEmulatorOptions
{
    /// <summary>Where the emulator keeps its PostgreSQL cluster between runs, relative to the content root.</summary>
    public string DataDirectory { get; set; } = ".lakebase-emulator";
}
