using Lakebase.Npgsql.Authentication;
using Lakebase.Npgsql.Diagnostics;

namespace Lakebase.Npgsql;

/// <summary>
/// How this application authenticates to the Databricks workspace that issues Lakebase database credentials.
/// Set exactly one method: a service principal (<see cref="ClientId"/> + <see cref="ClientSecret"/>, OAuth M2M,
/// recommended for production), a bearer <see cref="Token"/> such as a personal access token (development), or a
/// <see cref="TokenProvider"/> delegate of your own.
/// </summary>
public sealed class LakebaseOAuthOptions
{
    /// <summary>The workspace URL, e.g. <c>https://adb-1234567890123456.7.azuredatabricks.net</c> (<c>DATABRICKS_HOST</c>).</summary>
    public string? WorkspaceHost { get; set; }

    /// <summary>The service principal's OAuth client id, a UUID (<c>DATABRICKS_CLIENT_ID</c>). Also the default database user.</summary>
    public string? ClientId { get; set; }

    /// <summary>The service principal's OAuth secret (<c>DATABRICKS_CLIENT_SECRET</c>). Never logged.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>A workspace bearer token, typically a personal access token (<c>DATABRICKS_TOKEN</c>). Never logged.</summary>
    public string? Token { get; set; }

    /// <summary>
    /// A caller-supplied source of workspace bearer tokens (for example from a secret store or a federated identity).
    /// Called whenever the previous token it returned is within a minute of its expiry.
    /// </summary>
    public Func<CancellationToken, ValueTask<LakebaseWorkspaceToken>>? TokenProvider { get; set; }

    /// <summary>
    /// Reads <c>DATABRICKS_HOST</c>, <c>DATABRICKS_CLIENT_ID</c>, <c>DATABRICKS_CLIENT_SECRET</c> and
    /// <c>DATABRICKS_TOKEN</c>. Values that are not set there are taken from the Databricks configuration file
    /// (<c>DATABRICKS_CONFIG_FILE</c>, default <c>~/.databrickscfg</c>), profile <c>DATABRICKS_CONFIG_PROFILE</c>
    /// (default <c>DEFAULT</c>), as the Databricks CLI and SDKs do.
    /// </summary>
    public static LakebaseOAuthOptions FromEnvironment() => FromEnvironment(Environment.GetEnvironmentVariable);

    internal static LakebaseOAuthOptions FromEnvironment(Func<string, string?> getVariable)
    {
        var options = new LakebaseOAuthOptions
        {
            WorkspaceHost = NonEmpty(getVariable("DATABRICKS_HOST")),
            ClientId = NonEmpty(getVariable("DATABRICKS_CLIENT_ID")),
            ClientSecret = NonEmpty(getVariable("DATABRICKS_CLIENT_SECRET")),
            Token = NonEmpty(getVariable("DATABRICKS_TOKEN")),
        };

        var profileName = NonEmpty(getVariable("DATABRICKS_CONFIG_PROFILE"));
        var hasEnvironmentCredentials = options.Token is not null || options.ClientSecret is not null;
        if (options.WorkspaceHost is not null && hasEnvironmentCredentials && profileName is null)
        {
            return options;
        }

        var profile = DatabricksConfigFile.ReadProfile(getVariable, profileName);
        if (profile is null)
        {
            return options;
        }

        options.WorkspaceHost ??= profile.Host;
        if (!hasEnvironmentCredentials)
        {
            options.ClientId ??= profile.ClientId;
            options.ClientSecret ??= profile.ClientSecret;
            options.Token ??= profile.Token;
        }

        return options;
    }

    /// <summary>Which authentication method these options select.</summary>
    public LakebaseAuthenticationMethod Method =>
        TokenProvider is not null ? LakebaseAuthenticationMethod.TokenProvider
        : ClientSecret is not null ? LakebaseAuthenticationMethod.ServicePrincipal
        : Token is not null ? LakebaseAuthenticationMethod.BearerToken
        : LakebaseAuthenticationMethod.None;

    /// <summary>Describes the options without revealing any secret.</summary>
    public override string ToString() =>
        $"LakebaseOAuthOptions {{ WorkspaceHost = {WorkspaceHost ?? "(not set)"}, Method = {Method}, ClientId = {ClientId ?? "(not set)"}, " +
        $"ClientSecret = {Mask(ClientSecret)}, Token = {Mask(Token)}, TokenProvider = {(TokenProvider is null ? "(not set)" : "set")} }}";

    /// <summary>Checks the options and returns the normalized workspace URL.</summary>
    /// <exception cref="LakebaseConfigurationException">Something is missing or contradictory; the message lists every problem.</exception>
    internal Uri Validate()
    {
        var problems = new List<string>();
        var workspaceUrl = WorkspaceUrl.TryNormalize(WorkspaceHost, out var hostProblem);
        if (workspaceUrl is null)
        {
            problems.Add(hostProblem!);
        }

        var methods = (TokenProvider is not null ? 1 : 0) + (ClientSecret is not null ? 1 : 0) + (Token is not null ? 1 : 0);
        if (methods == 0)
        {
            problems.Add(ClientId is not null
                ? "ClientId is set but ClientSecret is not: set DATABRICKS_CLIENT_SECRET to an OAuth secret of the service principal."
                : "No credentials: set DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET (a service principal's OAuth secret), or DATABRICKS_TOKEN (a personal access token, for development).");
        }
        else if (methods > 1)
        {
            problems.Add("More than one authentication method is set (" + string.Join(", ", DescribeMethods()) +
                "). Set only one: for a service principal unset DATABRICKS_TOKEN; for a personal access token unset DATABRICKS_CLIENT_SECRET.");
        }

        if (ClientSecret is not null && ClientId is null)
        {
            problems.Add("ClientSecret is set but ClientId is not: set DATABRICKS_CLIENT_ID to the service principal's application (client) id, a UUID.");
        }

        if (problems.Count > 0)
        {
            throw new LakebaseConfigurationException(
                "The Lakebase OAuth options are not usable:" + Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => " - " + p)));
        }

        return workspaceUrl!;
    }

    private IEnumerable<string> DescribeMethods()
    {
        if (ClientSecret is not null)
        {
            yield return "a client secret";
        }

        if (Token is not null)
        {
            yield return "a bearer token";
        }

        if (TokenProvider is not null)
        {
            yield return "a token provider";
        }
    }

    private static string Mask(string? secret) => secret is null ? "(not set)" : "***";

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}

/// <summary>The ways to authenticate to the Databricks workspace.</summary>
public enum LakebaseAuthenticationMethod
{
    /// <summary>Nothing configured.</summary>
    None,

    /// <summary>OAuth machine-to-machine with a service principal's client id and secret.</summary>
    ServicePrincipal,

    /// <summary>A fixed bearer token, such as a personal access token.</summary>
    BearerToken,

    /// <summary>A caller-supplied token provider delegate.</summary>
    TokenProvider,
}
