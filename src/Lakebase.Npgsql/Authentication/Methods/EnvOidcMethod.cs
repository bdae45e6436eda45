namespace Lakebase.Npgsql.Authentication.Methods;

/// <summary>
/// <c>env-oidc</c>: an OIDC ID token in the variable <c>DATABRICKS_OIDC_TOKEN</c> (or the one
/// <c>DATABRICKS_OIDC_TOKEN_ENV</c> names), read at every exchange and exchanged at the workspace. Requires host
/// (databricks-sdk-py <c>env_oidc</c>; databricks-sdk-go <c>config/auth_oidc.go</c> <c>envOIDC</c>); client_id is
/// optional (without it, account-wide federation). The database user is the client id, else looked up with SCIM Me.
/// </summary>
internal sealed class EnvOidcMethod : AuthenticationMethod
{
    public override string Name => "env-oidc";

    public override LakebaseAuthenticationMethod Kind => LakebaseAuthenticationMethod.WorkloadIdentityFederation;

    public override string? Missing(AuthInputs inputs) => Lacking(
        (inputs.Variable(Variable(inputs)) is not null, $"no OIDC token in {Variable(inputs)} (DATABRICKS_OIDC_TOKEN_ENV names another variable)"),
        (inputs.HasHost, "no host (DATABRICKS_HOST)"));

    public override IWorkspaceTokenSource Create(AuthInputs inputs, AuthServices services) => new TokenExchangeTokenSource(
        services, inputs.WorkspaceUrl!, Name, inputs.Options.ClientId, inputs.Options.TokenAudience, (_, _) =>
            Task.FromResult(inputs.Variable(Variable(inputs)) ?? throw new LakebaseCredentialException(
                LakebaseCredentialError.Unauthenticated, $"env-oidc: the variable {Variable(inputs)} holds no OIDC token any more.")));

    public override string? ServicePrincipalId(AuthInputs inputs) => inputs.Options.ClientId;

    private static string Variable(AuthInputs inputs) => inputs.Options.OidcTokenEnv ?? "DATABRICKS_OIDC_TOKEN";
}
