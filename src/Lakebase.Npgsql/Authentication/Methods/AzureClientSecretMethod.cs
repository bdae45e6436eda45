using Azure.Identity;

namespace Lakebase.Npgsql.Authentication.Methods;

/// <summary>
/// <c>azure-client-secret</c>: an Entra ID service principal (<c>ARM_CLIENT_ID</c>, <c>ARM_CLIENT_SECRET</c>,
/// <c>ARM_TENANT_ID</c>) on an Azure Databricks workspace (databricks-sdk-go <c>config/auth_azure_client_secret.go</c>),
/// through Azure.Identity's <see cref="ClientSecretCredential"/>. The database user is the application id.
/// </summary>
internal sealed class AzureClientSecretMethod : AuthenticationMethod
{
    public override string Name => "azure-client-secret";

    public override LakebaseAuthenticationMethod Kind => LakebaseAuthenticationMethod.Azure;

    public override string? Missing(AuthInputs inputs) => Lacking(
        (inputs.Options.AzureClientId is not null, "no azure_client_id (ARM_CLIENT_ID)"),
        (inputs.Options.AzureClientSecret is not null, "no azure_client_secret (ARM_CLIENT_SECRET)"),
        (inputs.Options.AzureTenantId is not null, "no azure_tenant_id (ARM_TENANT_ID)"),
        (inputs.IsAzure, AzureMsiMethod.NotAzure));

    public override IWorkspaceTokenSource Create(AuthInputs inputs, AuthServices services) => new AzureTokenSource(
        services,
        Name,
        new ClientSecretCredential(
            inputs.Options.AzureTenantId,
            inputs.Options.AzureClientId,
            inputs.Options.AzureClientSecret,
            AzureTokenSource.Options(inputs, new ClientSecretCredentialOptions())));

    public override string? ServicePrincipalId(AuthInputs inputs) => inputs.Options.AzureClientId;
}
