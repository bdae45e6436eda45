using Lakebase.Npgsql.Authentication;

namespace Lakebase.Npgsql.Configuration;

/// <summary>
/// Fills what configuration left unset from the environment variables Databricks tooling and Databricks Apps set, so
/// that one set of options sees every source. <c>PG*</c> connection values are read later, when the connection
/// settings are resolved, so that code-built data sources read them the same way.
/// </summary>
internal static class LakebaseEnvironment
{
    /// <summary>The variables read for the endpoint name, in order.</summary>
    public static readonly string[] EndpointVariables = ["LAKEBASE_ENDPOINT", "ENDPOINT_NAME"];

    /// <summary>The first endpoint variable that is set, trimmed.</summary>
    public static string? ReadEndpoint(Func<string, string?> getVariable) =>
        EndpointVariables.Select(getVariable).FirstOrDefault(v => !string.IsNullOrWhiteSpace(v))?.Trim();

    /// <summary>The endpoint and workspace authentication of <paramref name="options"/> with the environment applied (the options are not changed).</summary>
    public static (string? Endpoint, LakebaseOAuthOptions OAuth) Apply(LakebaseOptions options, Func<string, string?> getVariable)
    {
        var oauth = options.OAuth.Copy();
        if (!options.Connection.ReadEnvironment)
        {
            return (Trimmed(options.Endpoint), UnifiedAuthConfig.Resolve(oauth, getVariable, readEnvironment: false));
        }

        // Unified authentication: the environment only when configuration names no credential, and only for the same
        // workspace; then the configuration file. A token issued for one workspace is never sent to another.
        if (UnifiedAuthConfig.CredentialGroups(oauth).Count > 0 && string.IsNullOrWhiteSpace(oauth.WorkspaceHost))
        {
            // The application's own credentials, for the workspace the environment names when configuration names none.
            oauth.WorkspaceHost = getVariable("DATABRICKS_HOST")?.Trim();
        }

        return (Trimmed(options.Endpoint) ?? ReadEndpoint(getVariable), UnifiedAuthConfig.Resolve(oauth, getVariable, readEnvironment: true));
    }

    private static string? Trimmed(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
