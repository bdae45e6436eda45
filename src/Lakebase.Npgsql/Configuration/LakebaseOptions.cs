using Lakebase.Npgsql.Configuration;

namespace Lakebase.Npgsql;

/// <summary>
/// A Lakebase data source's settings as bound from configuration (the <c>"Lakebase"</c> section by default), for
/// <c>services.AddLakebaseDataSource()</c>. Values left unset come from the environment variables Databricks tooling and
/// Databricks Apps set: <c>LAKEBASE_ENDPOINT</c> (or <c>ENDPOINT_NAME</c>), the workspace authentication of
/// <see cref="LakebaseOAuthOptions.FromEnvironment()"/> (<c>DATABRICKS_*</c>, <c>~/.databrickscfg</c>), and <c>PG*</c>.
/// </summary>
/// <remarks>Keep secrets (<see cref="ClientSecret"/>, <see cref="Token"/>) out of appsettings.json: use the environment or a secret store.</remarks>
public sealed class LakebaseOptions
{
    /// <summary>The default configuration section, <c>"Lakebase"</c>.</summary>
    public const string DefaultSectionName = "Lakebase";

    /// <summary>The endpoint name, <c>projects/{project}/branches/{branch}/endpoints/{endpoint}</c> (<c>LAKEBASE_ENDPOINT</c>).</summary>
    public string? Endpoint { get; set; }

    /// <summary>The workspace URL (<c>DATABRICKS_HOST</c>).</summary>
    public string? WorkspaceHost { get; set; }

    /// <summary>The service principal's client id (<c>DATABRICKS_CLIENT_ID</c>).</summary>
    public string? ClientId { get; set; }

    /// <summary>The service principal's OAuth secret (<c>DATABRICKS_CLIENT_SECRET</c>). Never logged.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>A workspace bearer token such as a personal access token (<c>DATABRICKS_TOKEN</c>). Never logged.</summary>
    public string? Token { get; set; }

    /// <summary>
    /// A source of workspace tokens of your own, set in code (not bound from configuration), for example from a service
    /// in the container: <c>services.AddOptions&lt;LakebaseOptions&gt;().Configure&lt;MyTokens&gt;((o, tokens) =&gt; o.TokenProvider = tokens.GetAsync)</c>.
    /// </summary>
    public Func<CancellationToken, ValueTask<LakebaseWorkspaceToken>>? TokenProvider { get; set; }

    /// <summary>The one authentication method to use (<c>DATABRICKS_AUTH_TYPE</c>); see <see cref="LakebaseOAuthOptions.AuthType"/>.</summary>
    public string? AuthType { get; set; }

    /// <summary>The configuration file profile (<c>DATABRICKS_CONFIG_PROFILE</c>); case-sensitive.</summary>
    public string? Profile { get; set; }

    /// <summary>The configuration file (<c>DATABRICKS_CONFIG_FILE</c>, default <c>~/.databrickscfg</c>).</summary>
    public string? ConfigFile { get; set; }

    /// <summary>The Databricks CLI for <c>databricks-cli</c> (<c>DATABRICKS_CLI_PATH</c>).</summary>
    public string? DatabricksCliPath { get; set; }

    /// <summary>A local metadata service URL (<c>DATABRICKS_METADATA_SERVICE_URL</c>).</summary>
    public string? MetadataServiceUrl { get; set; }

    /// <summary>The variable holding an OIDC token for <c>env-oidc</c> (<c>DATABRICKS_OIDC_TOKEN_ENV</c>).</summary>
    public string? OidcTokenEnv { get; set; }

    /// <summary>The file holding an OIDC token for <c>file-oidc</c> (<c>DATABRICKS_OIDC_TOKEN_FILEPATH</c>).</summary>
    public string? OidcTokenFilePath { get; set; }

    /// <summary>The audience of GitHub Actions ID tokens (<c>DATABRICKS_TOKEN_AUDIENCE</c>).</summary>
    public string? TokenAudience { get; set; }

    /// <summary>The workspace's Azure resource id (<c>DATABRICKS_AZURE_RESOURCE_ID</c>).</summary>
    public string? AzureWorkspaceResourceId { get; set; }

    /// <summary>Use the Azure managed identity (<c>ARM_USE_MSI</c>).</summary>
    public bool AzureUseMsi { get; set; }

    /// <summary>The Entra ID application id (<c>ARM_CLIENT_ID</c>).</summary>
    public string? AzureClientId { get; set; }

    /// <summary>The Entra ID client secret (<c>ARM_CLIENT_SECRET</c>). Never logged.</summary>
    public string? AzureClientSecret { get; set; }

    /// <summary>The Entra ID tenant (<c>ARM_TENANT_ID</c>).</summary>
    public string? AzureTenantId { get; set; }

    /// <summary>Why the configuration file could not be used; reported by validation.</summary>
    internal string? ConfigurationProblem { get; set; }

    /// <summary>The endpoint's host name (<c>PGHOST</c>); looked up from the workspace API on the first open when unset.</summary>
    public string? Host { get; set; }

    /// <summary>The port (<c>PGPORT</c>, default 5432).</summary>
    public int? Port { get; set; }

    /// <summary>The database (<c>PGDATABASE</c>, default <c>databricks_postgres</c>).</summary>
    public string? Database { get; set; }

    /// <summary>The PostgreSQL role (<c>PGUSER</c>); by default a service principal's client id, or the user the workspace reports for the token (SCIM Me).</summary>
    public string? Username { get; set; }

    /// <summary>
    /// The SSL mode in libpq's or Npgsql's spelling (<c>PGSSLMODE</c>): <c>verify-full</c> (the default) or
    /// <c>verify-ca</c>; <c>require</c> is read as <c>verify-full</c>, as Databricks' own drivers read it.
    /// </summary>
    public string? SslMode { get; set; }

    /// <summary>A PEM file with the root certificate(s) to trust instead of the system's (<c>PGSSLROOTCERT</c>).</summary>
    public string? RootCertificate { get; set; }

    /// <summary>Shown in <c>pg_stat_activity</c> (<c>PGAPPNAME</c>).</summary>
    public string? ApplicationName { get; set; }

    /// <summary>How long a physical connection lives (default 45 minutes).</summary>
    public TimeSpan? ConnectionLifetime { get; set; }

    /// <summary>How long an idle pooled connection is kept (default 60 seconds).</summary>
    public TimeSpan? ConnectionIdleLifetime { get; set; }

    /// <summary>TCP keepalive interval (default 30 seconds).</summary>
    public TimeSpan? TcpKeepAlive { get; set; }

    /// <summary>How long an open may take, cold start and credential request included (default 30 seconds).</summary>
    public TimeSpan? ConnectTimeout { get; set; }

    /// <summary>The largest number of pooled physical connections (default 100).</summary>
    public int? MaxPoolSize { get; set; }

    /// <summary>Physical connections kept open when idle (default 0, so the compute can suspend).</summary>
    public int? MinPoolSize { get; set; }

    /// <summary>How long before its expiry a credential is refreshed in the background (default 5 minutes).</summary>
    public TimeSpan? RefreshBeforeExpiry { get; set; }

    /// <summary>How the credential is kept fresh: <c>Background</c> (the default, a timer) or <c>Lazy</c> (no timer, for CPU-throttled hosts).</summary>
    public LakebaseRefreshMode? RefreshMode { get; set; }

    /// <summary>Whether unset values are read from the environment variables (default true).</summary>
    public bool ReadEnvironment { get; set; } = true;

    /// <summary>
    /// Whether any Databricks setting is present, in these options or (when <see cref="ReadEnvironment"/>) in the
    /// environment; applications use it to fall back to a local emulator when nothing is configured.
    /// </summary>
    /// <returns>True when an endpoint or workspace setting is present.</returns>
    public bool HasWorkspaceSettings() => HasWorkspaceSettings(Environment.GetEnvironmentVariable);

    internal bool HasWorkspaceSettings(Func<string, string?> getVariable)
    {
        var withEnvironment = ReadEnvironment ? LakebaseEnvironment.Apply(Clone(), getVariable) : this;
        return Set(withEnvironment.Endpoint) || Set(withEnvironment.WorkspaceHost)
            || Authentication.UnifiedAuthConfig.CredentialGroups(withEnvironment.ToOAuthOptions()).Count > 0;
    }

    internal LakebaseOptions Clone() => (LakebaseOptions)MemberwiseClone();

    private static bool Set(string? value) => !string.IsNullOrWhiteSpace(value);
}
