using Azure.Core;
using Azure.Identity;
using Lakebase.Npgsql.Authentication.Methods;

namespace Lakebase.Npgsql.Authentication;

/// <summary>
/// An Entra ID token for the Azure Databricks resource (application id <see cref="AzureDatabricksResource"/>, as
/// databricks-sdk-go <c>config/environments.go</c> <c>AzureApplicationID</c>) from an Azure.Identity credential, used
/// as the workspace bearer token and cached until shortly before it expires.
/// </summary>
internal sealed class AzureTokenSource(AuthServices services, string name, TokenCredential credential)
    : CachedWorkspaceTokenSource(services.Cache, services.TimeProvider)
{
    /// <summary>The Azure Databricks first-party application (the resource every Azure Databricks token is issued for).</summary>
    public const string AzureDatabricksResource = "2ff814a6-3304-4ab8-85cb-cd0e6f879c1d";

    private static readonly string[] Scopes = [AzureDatabricksResource + "/.default"];

    public override string Description => name;

    protected override async Task<(string Token, DateTimeOffset? ExpiresAt)> FetchAsync(CancellationToken cancellationToken)
    {
        try
        {
            var token = await credential.GetTokenAsync(new TokenRequestContext(Scopes), cancellationToken).ConfigureAwait(false);
            return (token.Token, token.ExpiresOn);
        }
        catch (CredentialUnavailableException e) when (name == "azure-cli")
        {
            // Installed but not signed in: databricks-sdk-go skips azure-cli then, and so does the chain.
            throw new AuthMethodUnavailableException($"Azure CLI: {Diagnostics.SecretRedaction.OneLine(e.Message, 300)}", e);
        }
        catch (AuthenticationFailedException e)
        {
            // Azure.Identity's messages name the failing step and never include the secret or the token.
            throw new LakebaseCredentialException(
                e is CredentialUnavailableException ? LakebaseCredentialError.Unauthenticated : LakebaseCredentialError.InvalidClient,
                $"{name}: Entra ID did not issue a token for Azure Databricks ({Diagnostics.SecretRedaction.OneLine(e.Message, 400)}). " +
                "Check ARM_CLIENT_ID, ARM_CLIENT_SECRET and ARM_TENANT_ID, the managed identity, or `az login`.",
                innerException: e);
        }
    }

    /// <summary>Credential options with the authority host of the workspace's cloud and the caller's test seam applied.</summary>
    public static T Options<T>(AuthInputs inputs, T options)
        where T : TokenCredentialOptions
    {
        var host = inputs.WorkspaceUrl?.Host ?? string.Empty;
        options.AuthorityHost = host.EndsWith(".databricks.azure.cn", StringComparison.OrdinalIgnoreCase) ? AzureAuthorityHosts.AzureChina
            : host.EndsWith(".databricks.azure.us", StringComparison.OrdinalIgnoreCase) ? AzureAuthorityHosts.AzureGovernment
            : AzureAuthorityHosts.AzurePublicCloud;
        inputs.Options.ConfigureAzureCredential?.Invoke(options);
        return options;
    }
}
