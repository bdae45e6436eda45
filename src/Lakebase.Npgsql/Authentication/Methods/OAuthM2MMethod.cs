namespace Lakebase.Npgsql.Authentication.Methods;

/// <summary>
/// <c>oauth-m2m</c>: a service principal's client id and secret, client credentials grant at the discovered token
/// endpoint. Requires host, client_id and client_secret (databricks-sdk-py <c>oauth_service_principal</c>,
/// databricks-sdk-go <c>config/auth_m2m.go</c>). The database user is the client id.
/// </summary>
internal sealed class OAuthM2MMethod : AuthenticationMethod
{
    public override string Name => "oauth-m2m";

    public override LakebaseAuthenticationMethod Kind => LakebaseAuthenticationMethod.ServicePrincipal;

    public override string? Missing(AuthInputs inputs)
    {
        var (id, secret) = (inputs.Options.ClientId is not null, inputs.Options.ClientSecret is not null);
        return Lacking(
            (id && secret, id ? "no client_secret (set DATABRICKS_CLIENT_SECRET)" : secret
                ? "no client_id (set DATABRICKS_CLIENT_ID to the service principal's application id)"
                : "no client_id and client_secret (set DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET)"),
            (inputs.HasHost, "no host (DATABRICKS_HOST)"));
    }

    public override IWorkspaceTokenSource Create(AuthInputs inputs, AuthServices services) =>
        new ServicePrincipalTokenSource(services, inputs.WorkspaceUrl!, inputs.Options.ClientId!, inputs.Options.ClientSecret!);

    public override string? ServicePrincipalId(AuthInputs inputs) => inputs.Options.ClientId;
}
