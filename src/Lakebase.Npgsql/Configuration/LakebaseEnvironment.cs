using Lakebase.Npgsql.Authentication;

namespace Lakebase.Npgsql.Configuration;

/// <summary>
/// Fills what configuration left unset from the environment variables Databricks tooling and Databricks Apps set, so
/// that one options object sees every source. <c>PG*</c> connection values are read later, when the connection
/// settings are resolved, so that code-built data sources read them the same way.
/// </summary>
internal static class LakebaseEnvironment
{
    /// <summary>The variables read for the endpoint name, in order.</summary>
    public static readonly string[] EndpointVariables = ["LAKEBASE_ENDPOINT", "ENDPOINT_NAME"];

    public static LakebaseOptions Apply(LakebaseOptions options, Func<string, string?> getVariable)
    {
        if (string.IsNullOrWhiteSpace(options.Endpoint))
        {
            options.Endpoint = EndpointVariables.Select(getVariable).FirstOrDefault(v => !string.IsNullOrWhiteSpace(v))?.Trim();
        }

        // Unified authentication: the environment only when configuration names no credential, and only for the same
        // workspace; then the configuration file. A token issued for one workspace is never sent to another.
        if (UnifiedAuthConfig.CredentialGroups(options.ToOAuthOptions()).Count > 0 && Blank(options.WorkspaceHost))
        {
            // The application's own credentials, for the workspace the environment names when configuration names none.
            options.WorkspaceHost = getVariable("DATABRICKS_HOST")?.Trim();
        }

        var oauth = UnifiedAuthConfig.Resolve(options.ToOAuthOptions(), getVariable, readEnvironment: true);
        options.WorkspaceHost = oauth.WorkspaceHost;
        options.ClientId = oauth.ClientId;
        options.ClientSecret = oauth.ClientSecret;
        options.Token = oauth.Token;
        options.AuthType = oauth.AuthType;
        options.Profile = oauth.Profile;
        options.ConfigFile = oauth.ConfigFile;
        options.DatabricksCliPath = oauth.DatabricksCliPath;
        options.MetadataServiceUrl = oauth.MetadataServiceUrl;
        options.OidcTokenEnv = oauth.OidcTokenEnv;
        options.OidcTokenFilePath = oauth.OidcTokenFilePath;
        options.TokenAudience = oauth.TokenAudience;
        options.AzureWorkspaceResourceId = oauth.AzureWorkspaceResourceId;
        options.AzureUseMsi = oauth.AzureUseMsi;
        options.AzureClientId = oauth.AzureClientId;
        options.AzureClientSecret = oauth.AzureClientSecret;
        options.AzureTenantId = oauth.AzureTenantId;
        options.ConfigurationProblem = oauth.ConfigurationProblem;
        return options;
    }

    private static bool Blank(string? value) => string.IsNullOrWhiteSpace(value);
}
