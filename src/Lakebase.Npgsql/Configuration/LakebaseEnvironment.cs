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

        var hasCredentials = !string.IsNullOrWhiteSpace(options.ClientSecret) || !string.IsNullOrWhiteSpace(options.Token) || options.TokenProvider is not null;
        if (hasCredentials)
        {
            // The application's own credentials, for the workspace the environment names when configuration names none.
            if (Blank(options.WorkspaceHost))
            {
                options.WorkspaceHost = getVariable("DATABRICKS_HOST")?.Trim();
            }

            return options;
        }

        // No credentials in configuration: take the environment's identity, but only for the same workspace. A token
        // issued for one workspace is never sent to another.
        var environment = LakebaseOAuthOptions.FromEnvironment(getVariable);
        if (!string.IsNullOrWhiteSpace(options.WorkspaceHost) && environment.WorkspaceHost is { } environmentHost
            && !SameWorkspace(options.WorkspaceHost, environmentHost))
        {
            return options;
        }

        options.WorkspaceHost = Blank(options.WorkspaceHost) ? environment.WorkspaceHost : options.WorkspaceHost;
        options.ClientId = Blank(options.ClientId) ? environment.ClientId : options.ClientId;
        options.ClientSecret = environment.ClientSecret;
        options.Token = environment.Token;
        return options;
    }

    private static bool Blank(string? value) => string.IsNullOrWhiteSpace(value);

    private static bool SameWorkspace(string a, string b) =>
        Authentication.WorkspaceUrl.TryNormalize(a, out _) is { } left && Authentication.WorkspaceUrl.TryNormalize(b, out _) is { } right && left == right;
}
