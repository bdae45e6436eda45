namespace Lakebase.Npgsql.Authentication.Methods;

/// <summary>
/// <c>pat</c>: a personal access token used as the bearer token. Requires host and token (databricks-sdk-py
/// <c>credentials_provider.py</c> <c>pat_auth</c>, <c>@credentials_strategy("pat", ["host", "token"])</c>). A user
/// identity: the database user is looked up with SCIM Me.
/// </summary>
internal sealed class PatMethod : AuthenticationMethod
{
    public override string Name => "pat";

    public override LakebaseAuthenticationMethod Kind => LakebaseAuthenticationMethod.BearerToken;

    public override string? Missing(AuthInputs inputs) => Lacking(
        (inputs.Options.Token is not null, "no token (set DATABRICKS_TOKEN or profile key token)"),
        (inputs.HasHost, "no host (DATABRICKS_HOST)"));

    public override IWorkspaceTokenSource Create(AuthInputs inputs, AuthServices services) => new BearerTokenSource(inputs.Options.Token!, Name);
}
