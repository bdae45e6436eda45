namespace Lakebase.Npgsql.Authentication.Methods;

/// <summary>
/// <c>file-oidc</c>: an OIDC ID token in the file <c>DATABRICKS_OIDC_TOKEN_FILEPATH</c> (alias
/// <c>DATABRICKS_OIDC_TOKEN_FILE</c>), re-read at every exchange (projected service-account tokens rotate). Requires host
/// and the path (databricks-sdk-py <c>file_oidc</c>, <c>["host", "oidc_token_filepath"]</c>). The database user is the
/// client id, else looked up with SCIM Me.
/// </summary>
internal sealed class FileOidcMethod : AuthenticationMethod
{
    public override string Name => "file-oidc";

    public override LakebaseAuthenticationMethod Kind => LakebaseAuthenticationMethod.WorkloadIdentityFederation;

    public override string? Missing(AuthInputs inputs) => Lacking(
        (inputs.Options.OidcTokenFilePath is not null, "no oidc_token_filepath (DATABRICKS_OIDC_TOKEN_FILEPATH)"),
        (inputs.HasHost, "no host (DATABRICKS_HOST)"));

    public override IWorkspaceTokenSource Create(AuthInputs inputs, AuthServices services)
    {
        var path = inputs.Options.OidcTokenFilePath!;
        return new TokenExchangeTokenSource(services, inputs.WorkspaceUrl!, Name, inputs.Options.ClientId, inputs.Options.TokenAudience, async (_, cancellationToken) =>
        {
            string text;
            try
            {
                text = (await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false)).Trim();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new LakebaseCredentialException(LakebaseCredentialError.Unauthenticated,
                    $"file-oidc: the OIDC token file {path} (DATABRICKS_OIDC_TOKEN_FILEPATH) could not be read ({e.GetType().Name}).");
            }

            return text.Length > 0 ? text : throw new LakebaseCredentialException(LakebaseCredentialError.Unauthenticated,
                $"file-oidc: the OIDC token file {path} (DATABRICKS_OIDC_TOKEN_FILEPATH) is empty.");
        });
    }

    public override string? ServicePrincipalId(AuthInputs inputs) => inputs.Options.ClientId;
}
