using Lakebase.Npgsql.Authentication;
using Lakebase.Npgsql.Configuration;

namespace Lakebase.Npgsql;

/// <summary>
/// How this application authenticates to the Databricks workspace that issues Lakebase database credentials, with the
/// names and rules of Databricks unified authentication (the Databricks CLI and SDKs): <see cref="AuthType"/>
/// (<c>DATABRICKS_AUTH_TYPE</c>) picks one method; without it the methods are tried in the SDKs' order: <c>pat</c>,
/// <c>oauth-m2m</c>, <c>databricks-cli</c>, <c>metadata-service</c>, <c>github-oidc</c>, <c>env-oidc</c>,
/// <c>file-oidc</c>, <c>azure-msi</c>, <c>azure-client-secret</c>, <c>azure-cli</c>. A <see cref="TokenProvider"/>
/// delegate of your own is used when set. See docs/authentication.md for the variables and profile keys of each method.
/// </summary>
public sealed record LakebaseOAuthOptions
{
    /// <summary>The workspace URL, e.g. <c>https://adb-1234567890123456.7.azuredatabricks.net</c> (<c>DATABRICKS_HOST</c>, profile key <c>host</c>).</summary>
    public string? WorkspaceHost { get; set; }

    /// <summary>The service principal's OAuth client (application) id, a UUID (<c>DATABRICKS_CLIENT_ID</c>, <c>client_id</c>). Also its database user.</summary>
    public string? ClientId { get; set; }

    /// <summary>The service principal's OAuth secret (<c>DATABRICKS_CLIENT_SECRET</c>, <c>client_secret</c>), for <c>oauth-m2m</c>. Never logged.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>A personal access token (<c>DATABRICKS_TOKEN</c>, <c>token</c>), for <c>pat</c>. Never logged.</summary>
    public string? Token { get; set; }

    /// <summary>
    /// A caller-supplied source of workspace bearer tokens (for example from a secret store or a federated identity).
    /// Called whenever the previous token it returned is within a minute of its expiry.
    /// </summary>
    public Func<CancellationToken, ValueTask<LakebaseWorkspaceToken>>? TokenProvider { get; set; }

    /// <summary>
    /// The one authentication method to use (<c>DATABRICKS_AUTH_TYPE</c>, profile key <c>auth_type</c>): <c>pat</c>,
    /// <c>oauth-m2m</c>, <c>databricks-cli</c>, <c>metadata-service</c>, <c>github-oidc</c>, <c>env-oidc</c>,
    /// <c>file-oidc</c>, <c>azure-msi</c>, <c>azure-client-secret</c>, <c>azure-cli</c> or <c>token-provider</c>.
    /// Unset: the first method whose settings are present, in that order.
    /// </summary>
    public string? AuthType { get; set; }

    /// <summary>The configuration file profile to read (<c>DATABRICKS_CONFIG_PROFILE</c>); case-sensitive. A named profile that is missing is an error.</summary>
    public string? Profile { get; set; }

    /// <summary>The configuration file (<c>DATABRICKS_CONFIG_FILE</c>, default <c>~/.databrickscfg</c>; <c>~</c> is expanded).</summary>
    public string? ConfigFile { get; set; }

    /// <summary>The Databricks CLI for <c>databricks-cli</c> (<c>DATABRICKS_CLI_PATH</c>, profile key <c>databricks_cli_path</c>); default: <c>databricks</c> on <c>PATH</c>.</summary>
    public string? DatabricksCliPath { get; set; }

    /// <summary>A local metadata service that issues workspace tokens (<c>DATABRICKS_METADATA_SERVICE_URL</c>); only <c>localhost</c>/<c>127.0.0.1</c> URLs are used.</summary>
    public string? MetadataServiceUrl { get; set; }

    /// <summary>The name of the environment variable holding an OIDC ID token for <c>env-oidc</c> (<c>DATABRICKS_OIDC_TOKEN_ENV</c>; default <c>DATABRICKS_OIDC_TOKEN</c>).</summary>
    public string? OidcTokenEnv { get; set; }

    /// <summary>A file holding an OIDC ID token for <c>file-oidc</c> (<c>DATABRICKS_OIDC_TOKEN_FILEPATH</c>), re-read at every exchange.</summary>
    public string? OidcTokenFilePath { get; set; }

    /// <summary>The audience requested for a GitHub Actions ID token (<c>DATABRICKS_TOKEN_AUDIENCE</c>); default: the workspace token endpoint.</summary>
    public string? TokenAudience { get; set; }

    /// <summary>The Azure resource id of the workspace (<c>DATABRICKS_AZURE_RESOURCE_ID</c>); marks the workspace as Azure Databricks.</summary>
    public string? AzureWorkspaceResourceId { get; set; }

    /// <summary>Use the Azure managed identity, <c>azure-msi</c> (<c>ARM_USE_MSI</c>).</summary>
    public bool AzureUseMsi { get; set; }

    /// <summary>The Entra ID application (client) id (<c>ARM_CLIENT_ID</c>), for <c>azure-client-secret</c> or a user-assigned managed identity.</summary>
    public string? AzureClientId { get; set; }

    /// <summary>The Entra ID client secret (<c>ARM_CLIENT_SECRET</c>), for <c>azure-client-secret</c>. Never logged.</summary>
    public string? AzureClientSecret { get; set; }

    /// <summary>The Entra ID tenant (<c>ARM_TENANT_ID</c>), for <c>azure-client-secret</c> and <c>azure-cli</c>.</summary>
    public string? AzureTenantId { get; set; }

    /// <summary>Why the configuration file could not be used (a missing named profile, another workspace's profile); reported by validation.</summary>
    internal string? ConfigurationProblem { get; set; }

    /// <summary>The configuration file a profile was loaded from, if any.</summary>
    internal string? LoadedFrom { get; set; }

    /// <summary>A test seam: changes the options of the Azure.Identity credentials (transport, authority host).</summary>
    internal Action<Azure.Identity.TokenCredentialOptions>? ConfigureAzureCredential { get; set; }

    /// <summary>
    /// Resolves the whole unified-authentication configuration from the environment: <c>DATABRICKS_HOST</c>,
    /// <c>DATABRICKS_TOKEN</c>, <c>DATABRICKS_CLIENT_ID</c>/<c>_SECRET</c>, <c>DATABRICKS_AUTH_TYPE</c>,
    /// <c>DATABRICKS_CLI_PATH</c>, <c>DATABRICKS_OIDC_TOKEN_*</c>, <c>ARM_*</c> and the others of docs/authentication.md; then,
    /// as the SDKs do, the configuration file (<c>DATABRICKS_CONFIG_FILE</c>, default <c>~/.databrickscfg</c>), profile
    /// <c>DATABRICKS_CONFIG_PROFILE</c> — read only when a profile is named or when neither a host nor a credential is set,
    /// so another workspace's DEFAULT profile is never mixed with <c>DATABRICKS_HOST</c>. Makes no network call.
    /// </summary>
    /// <returns>The options; problems (such as a missing named profile) are reported when they are validated.</returns>
    public static LakebaseOAuthOptions FromEnvironment() => FromEnvironment(Environment.GetEnvironmentVariable);

    internal static LakebaseOAuthOptions FromEnvironment(Func<string, string?> getVariable) =>
        UnifiedAuthConfig.Resolve(new LakebaseOAuthOptions(), getVariable, readEnvironment: true);

    /// <summary>
    /// Which method these options point at without trying any: <see cref="AuthType"/> when set, else the kind of
    /// credential set. <see cref="LakebaseAuthenticationMethod.None"/> when nothing is set (the Databricks CLI or
    /// Azure CLI may still be found when the data source first connects).
    /// </summary>
    public LakebaseAuthenticationMethod Method => AuthType is { } name ? CredentialsChain.Find(name)?.Kind ?? LakebaseAuthenticationMethod.None
        : TokenProvider is not null ? LakebaseAuthenticationMethod.TokenProvider
        : ClientSecret is not null ? LakebaseAuthenticationMethod.ServicePrincipal
        : Token is not null ? LakebaseAuthenticationMethod.BearerToken
        : MetadataServiceUrl is not null ? LakebaseAuthenticationMethod.MetadataService
        : OidcTokenFilePath is not null || OidcTokenEnv is not null ? LakebaseAuthenticationMethod.WorkloadIdentityFederation
        : AzureClientSecret is not null || AzureUseMsi ? LakebaseAuthenticationMethod.Azure
        : LakebaseAuthenticationMethod.None;

    /// <summary>Describes the options without revealing any secret.</summary>
    /// <returns>The host, method, ids and which secrets are set.</returns>
    public override string ToString() =>
        $"LakebaseOAuthOptions {{ WorkspaceHost = {(WorkspaceHost is null ? "(not set)" : WorkspaceUrl.WithoutUserInfo(WorkspaceHost))}, AuthType = {AuthType ?? "(not set)"}, Method = {Method}, ClientId = {ClientId ?? "(not set)"}, " +
        $"ClientSecret = {Mask(ClientSecret)}, Token = {Mask(Token)}, TokenProvider = {(TokenProvider is null ? "(not set)" : "set")}, Profile = {Profile ?? "(not set)"}, " +
        $"AzureClientId = {AzureClientId ?? "(not set)"}, AzureClientSecret = {Mask(AzureClientSecret)} }}";

    /// <summary>Checks the options and returns the normalized workspace URL.</summary>
    /// <exception cref="LakebaseConfigurationException">Something is missing or contradictory; the message lists every problem.</exception>
    internal Uri Validate() => Plan(Environment.GetEnvironmentVariable).WorkspaceUrl;

    /// <summary>Checks the options and chooses the methods to try, in order (no network call, no process started).</summary>
    /// <exception cref="LakebaseConfigurationException">Something is missing or contradictory; the message lists every problem.</exception>
    internal CredentialsPlan Plan(Func<string, string?> getVariable) => CredentialsChain.Plan(this, getVariable);

    /// <summary>What identifies the credentials, with secrets only as one-way fingerprints (for sharing data sources).</summary>
    internal string DescribeIdentity(Func<string, string> fingerprint) => string.Join(
        "|",
        AuthType, Profile, ClientId, AzureClientId, AzureTenantId, AzureUseMsi, AzureWorkspaceResourceId, MetadataServiceUrl, OidcTokenEnv, OidcTokenFilePath, TokenAudience, DatabricksCliPath, ConfigFile,
        ClientSecret is null ? null : fingerprint(ClientSecret),
        Token is null ? null : fingerprint(Token),
        AzureClientSecret is null ? null : fingerprint(AzureClientSecret));

    internal LakebaseOAuthOptions Copy() => this with { };

    private static string Mask(string? secret) => secret is null ? "(not set)" : "***";
}

/// <summary>The kinds of workspace authentication.</summary>
public enum LakebaseAuthenticationMethod
{
    /// <summary>Nothing configured.</summary>
    None,

    /// <summary>OAuth machine-to-machine with a service principal's client id and secret (<c>oauth-m2m</c>).</summary>
    ServicePrincipal,

    /// <summary>A fixed bearer token, such as a personal access token (<c>pat</c>).</summary>
    BearerToken,

    /// <summary>A caller-supplied token provider delegate.</summary>
    TokenProvider,

    /// <summary>The token of <c>databricks auth login</c>, from <c>databricks auth token</c> (<c>databricks-cli</c>).</summary>
    DatabricksCli,

    /// <summary>A local metadata service (<c>metadata-service</c>).</summary>
    MetadataService,

    /// <summary>An OIDC ID token exchanged at the workspace (<c>github-oidc</c>, <c>env-oidc</c>, <c>file-oidc</c>).</summary>
    WorkloadIdentityFederation,

    /// <summary>An Entra ID token (<c>azure-msi</c>, <c>azure-client-secret</c>, <c>azure-cli</c>).</summary>
    Azure,
}
