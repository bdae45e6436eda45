namespace Lakebase.Npgsql.Authentication.Methods;

/// <summary>The application's own <see cref="LakebaseOAuthOptions.TokenProvider"/> delegate (not an SDK method; set in code only).</summary>
internal sealed class TokenProviderMethod : AuthenticationMethod
{
    public override string Name => "token-provider";

    public override LakebaseAuthenticationMethod Kind => LakebaseAuthenticationMethod.TokenProvider;

    public override string? Missing(AuthInputs inputs) => Lacking(
        (inputs.Options.TokenProvider is not null, "no TokenProvider delegate (set in code)"),
        (inputs.HasHost, "no host (DATABRICKS_HOST)"));

    public override IWorkspaceTokenSource Create(AuthInputs inputs, AuthServices services) =>
        new TokenProviderSource(inputs.Options.TokenProvider!, services.Cache, services.TimeProvider);

    /// <summary>A client id given beside the delegate names the principal its tokens stand for.</summary>
    public override string? ServicePrincipalId(AuthInputs inputs) => inputs.Options.ClientId;
}
