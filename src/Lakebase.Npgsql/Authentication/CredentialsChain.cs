using Lakebase.Npgsql.Authentication.Methods;
using Lakebase.Npgsql.Configuration;

namespace Lakebase.Npgsql.Authentication;

/// <summary>
/// Chooses the workspace authentication as Databricks unified authentication does. With <c>auth_type</c> only that
/// method is used and what it lacks is an error. Without it, the methods whose settings are present are tried in the
/// order of databricks-sdk-go <c>config/auth_default.go</c> (<c>DefaultCredentials</c>): pat, oauth-m2m,
/// databricks-cli, metadata-service, github-oidc, env-oidc, file-oidc, azure-msi, azure-client-secret, azure-cli; the
/// first is used and its errors are final, never a reason to try another identity (<see cref="ChainTokenSource"/>).
/// Credentials of two kinds without
/// <c>auth_type</c> are refused, as databricks-sdk-py <c>config.py</c> <c>_validate</c> refuses them.
/// </summary>
internal static class CredentialsChain
{
    public static readonly AuthenticationMethod[] Methods =
    [
        new TokenProviderMethod(),
        new PatMethod(),
        new OAuthM2MMethod(),
        new DatabricksCliMethod(),
        new MetadataServiceMethod(),
        new GitHubOidcMethod(),
        new EnvOidcMethod(),
        new FileOidcMethod(),
        new AzureMsiMethod(),
        new AzureClientSecretMethod(),
        new AzureCliMethod(),
    ];

    public static AuthenticationMethod? Find(string name) => Methods.FirstOrDefault(m => m.Name == name.Trim());

    public static CredentialsPlan Plan(LakebaseOAuthOptions options, Func<string, string?> getVariable)
    {
        var problems = new List<string>();
        if (options.ConfigurationProblem is { } fileProblem)
        {
            problems.Add(fileProblem);
        }

        var workspaceUrl = WorkspaceUrl.TryNormalize(options.WorkspaceHost, out var hostProblem);
        if (workspaceUrl is null)
        {
            problems.Add(hostProblem!);
        }

        var inputs = new AuthInputs(options, workspaceUrl, getVariable);
        IReadOnlyList<AuthenticationMethod> candidates = [];
        if (options.AuthType is { } authType)
        {
            var method = Find(authType);
            if (method is null)
            {
                problems.Add($"auth_type '{authType}' (DATABRICKS_AUTH_TYPE or AuthType) is not a supported authentication method: use one of {string.Join(", ", Methods.Select(m => m.Name))}.");
            }
            else if (method.Missing(inputs) is { } missing)
            {
                problems.Add($"auth_type '{method.Name}' was chosen (DATABRICKS_AUTH_TYPE or AuthType), but it cannot be used: {missing}.");
            }
            else
            {
                candidates = [method];
            }
        }
        else if (UnifiedAuthConfig.CredentialGroups(options) is { Count: > 1 } groups)
        {
            problems.Add($"More than one authentication method is set ({string.Join(" and ", groups)}). Set only one, or pick one with DATABRICKS_AUTH_TYPE: " +
                "for a service principal unset DATABRICKS_TOKEN; for a personal access token unset DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET.");
        }
        else
        {
            var tried = Methods.Select(m => (Method: m, Missing: m.Missing(inputs))).ToList();
            candidates = tried.Where(t => t.Missing is null).Select(t => t.Method).ToArray();
            if (candidates.Count == 0)
            {
                problems.Add(NoCredentials(options.WorkspaceHost is null ? null : WorkspaceUrl.WithoutUserInfo(options.WorkspaceHost), tried.Where(t => t.Method is not TokenProviderMethod).Select(t => $"{t.Method.Name}: {t.Missing}")));
            }
        }

        if (problems.Count > 0)
        {
            throw new LakebaseConfigurationException(
                "The Lakebase OAuth options are not usable:" + Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => " - " + p)));
        }

        return new CredentialsPlan(workspaceUrl!, candidates, inputs, Explicit: options.AuthType is not null);
    }

    /// <summary>One line (validation keeps one line per problem): every method tried, in order, and what it lacked.</summary>
    private static string NoCredentials(string? host, IEnumerable<string> tried) =>
        "No credentials for the Databricks workspace" + (host is null ? string.Empty : " " + host) +
        ". Tried, in order (Databricks unified authentication): " + string.Join("; ", tried.Select((t, i) => $"{i + 1}. {t}")) +
        ". Fix: set DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET (a service principal's OAuth secret), or run `databricks auth login --host <workspace>`, " +
        "or set DATABRICKS_TOKEN (a personal access token, for development).";
}

/// <summary>The chosen methods, in order, for one workspace.</summary>
internal sealed record CredentialsPlan(Uri WorkspaceUrl, IReadOnlyList<AuthenticationMethod> Candidates, AuthInputs Inputs, bool Explicit)
{
    /// <summary>The database user when every candidate is the same service principal; null when it must be looked up.</summary>
    public string? ServicePrincipalId =>
        Candidates.Select(c => c.ServicePrincipalId(Inputs)).Distinct(StringComparer.OrdinalIgnoreCase).ToArray() is [{ } only] ? only : null;

    public ChainTokenSource CreateTokenSource(AuthServices services) => new(this, services);
}
