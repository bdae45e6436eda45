using Azure.Identity;

namespace Lakebase.Npgsql.Authentication.Methods;

/// <summary>
/// <c>azure-msi</c>: the Azure managed identity, when <c>ARM_USE_MSI</c> is true on an Azure Databricks workspace
/// (databricks-sdk-go <c>config/auth_azure_msi.go</c>), through Azure.Identity's <see cref="ManagedIdentityCredential"/>
/// (user-assigned when <c>ARM_CLIENT_ID</c> is set). The database user is that client id, else looked up with SCIM Me.
/// </summary>
internal sealed class AzureMsiMethod : AuthenticationMethod
{
    internal const string NotAzure = "not an Azure Databricks workspace (the host is not *.azuredatabricks.net and DATABRICKS_AZURE_RESOURCE_ID is unset)";

    public override string Name => "azure-msi";

    public override LakebaseAuthenticationMethod Kind => LakebaseAuthenticationMethod.Azure;

    public override string? Missing(AuthInputs inputs) => Lacking(
        (inputs.Options.AzureUseMsi, "azure_use_msi is not true (ARM_USE_MSI)"),
        (inputs.IsAzure, NotAzure),
        (inputs.HasHost, "no host (DATABRICKS_HOST)"));

    public override IWorkspaceTokenSource Create(AuthInputs inputs, AuthServices services)
    {
        var id = inputs.Options.AzureClientId is { } clientId ? ManagedIdentityId.FromUserAssignedClientId(clientId) : ManagedIdentityId.SystemAssigned;
        var options = AzureTokenSource.Options(inputs, new ManagedIdentityCredentialOptions(id));
        return new AzureTokenSource(services, Name, new ManagedIdentityCredential(options));
    }

    public override string? ServicePrincipalId(AuthInputs inputs) => inputs.Options.AzureClientId;
}
