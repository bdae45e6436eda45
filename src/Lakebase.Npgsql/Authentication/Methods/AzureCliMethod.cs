using Azure.Identity;

namespace Lakebase.Npgsql.Authentication.Methods;

/// <summary>
/// <c>azure-cli</c>: the account signed in with <c>az login</c>, on an Azure Databricks workspace (databricks-sdk-go
/// <c>config/auth_azure_cli.go</c>, which skips the method when <c>az</c> is not installed), through Azure.Identity's
/// <see cref="AzureCliCredential"/>. A user identity: the database user is looked up with SCIM Me.
/// </summary>
internal sealed class AzureCliMethod : AuthenticationMethod
{
    public override string Name => "azure-cli";

    public override LakebaseAuthenticationMethod Kind => LakebaseAuthenticationMethod.Azure;

    public override string? Missing(AuthInputs inputs) => Lacking(
        (inputs.IsAzure, AzureMsiMethod.NotAzure),
        (inputs.FindOnPath(OperatingSystem.IsWindows() ? "az.cmd" : "az").Any(), "the Azure CLI (az) is not on PATH"));

    public override IWorkspaceTokenSource Create(AuthInputs inputs, AuthServices services) => new AzureTokenSource(
        services,
        Name,
        new AzureCliCredential(AzureTokenSource.Options(inputs, new AzureCliCredentialOptions { TenantId = inputs.Options.AzureTenantId })));
}
