using Lakebase.Npgsql.Configuration;

namespace Lakebase.Npgsql;

/// <summary>
/// A Lakebase data source's settings as bound from configuration (the <c>"Lakebase"</c> section by default), for
/// <c>services.AddLakebaseDataSource()</c>. Values left unset come from the environment variables Databricks tooling and
/// Databricks Apps set: <c>LAKEBASE_ENDPOINT</c> (or <c>ENDPOINT_NAME</c>), the workspace authentication of
/// <see cref="LakebaseOAuthOptions.FromEnvironment()"/> (<c>DATABRICKS_*</c>, <c>~/.databrickscfg</c>), and <c>PG*</c>.
/// </summary>
/// <remarks>Keep secrets (<see cref="LakebaseOAuthOptions.ClientSecret"/>, <see cref="LakebaseOAuthOptions.Token"/>) out of appsettings.json: use the environment or a secret store.</remarks>
public sealed class LakebaseOptions
{
    /// <summary>The default configuration section, <c>"Lakebase"</c>.</summary>
    public const string DefaultSectionName = "Lakebase";

    /// <summary>The endpoint name, <c>projects/{project}/branches/{branch}/endpoints/{endpoint}</c> (<c>LAKEBASE_ENDPOINT</c>).</summary>
    public string? Endpoint { get; set; }

    /// <summary>
    /// How to authenticate to the workspace, bound from the same flat section (<c>"Lakebase:ClientId"</c>,
    /// <c>"Lakebase:AuthType"</c>, ...); a <see cref="LakebaseOAuthOptions.TokenProvider"/> can be set in code, for
    /// example from a service: <c>services.AddOptions&lt;LakebaseOptions&gt;().Configure&lt;MyTokens&gt;((o, tokens) =&gt; o.OAuth.TokenProvider = tokens.GetAsync)</c>.
    /// </summary>
    public LakebaseOAuthOptions OAuth { get; } = new();

    /// <summary>The connection settings and tuning, bound from the same flat section (<c>"Lakebase:MaxPoolSize"</c>, ...).</summary>
    public LakebaseConnectionOptions Connection { get; } = new();

    /// <summary>The definition resolved when these options were validated, so the data source is built from that same resolution.</summary>
    internal LakebaseDataSourceDefinition? Resolved { get; set; }

    /// <summary>
    /// Whether any Databricks setting is present, in these options or (unless <see cref="LakebaseConnectionOptions.ReadEnvironment"/> is false) in the
    /// environment; applications use it to fall back to a local emulator when nothing is configured.
    /// </summary>
    /// <returns>True when an endpoint or workspace setting is present.</returns>
    public bool HasWorkspaceSettings() => HasWorkspaceSettings(Connection.VariableReader);

    internal bool HasWorkspaceSettings(Func<string, string?> getVariable)
    {
        var (endpoint, oauth) = LakebaseEnvironment.Apply(this, getVariable);
        return Set(endpoint) || Set(oauth.WorkspaceHost) || Configuration.UnifiedAuthConfig.CredentialGroups(oauth).Count > 0;
    }

    /// <summary>Binds a flat configuration section: the endpoint, the workspace authentication and the connection settings.</summary>
    internal void Bind(Microsoft.Extensions.Configuration.IConfiguration section)
    {
        if (section["Endpoint"] is { } endpoint)
        {
            Endpoint = endpoint;
        }

        Microsoft.Extensions.Configuration.ConfigurationBinder.Bind(section, OAuth);
        Microsoft.Extensions.Configuration.ConfigurationBinder.Bind(section, Connection);
    }

    private static bool Set(string? value) => !string.IsNullOrWhiteSpace(value);
}
