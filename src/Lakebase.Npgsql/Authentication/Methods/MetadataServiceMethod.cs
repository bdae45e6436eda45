namespace Lakebase.Npgsql.Authentication.Methods;

/// <summary>
/// <c>metadata-service</c>: a local service that hands out workspace tokens. Requires host and metadata_service_url,
/// which must be on localhost or 127.0.0.1 (databricks-sdk-go <c>config/auth_metadata_service.go</c>). The database
/// user is looked up with SCIM Me.
/// </summary>
internal sealed class MetadataServiceMethod : AuthenticationMethod
{
    public override string Name => "metadata-service";

    public override LakebaseAuthenticationMethod Kind => LakebaseAuthenticationMethod.MetadataService;

    public override string? Missing(AuthInputs inputs)
    {
        var url = inputs.Options.MetadataServiceUrl;
        return Lacking(
            (url is not null, "no metadata_service_url (DATABRICKS_METADATA_SERVICE_URL)"),
            (url is null || Parse(url) is not null, "metadata_service_url must be an http(s) URL on localhost or 127.0.0.1"),
            (inputs.HasHost, "no host (DATABRICKS_HOST)"));
    }

    public override IWorkspaceTokenSource Create(AuthInputs inputs, AuthServices services) =>
        new MetadataServiceTokenSource(services, Parse(inputs.Options.MetadataServiceUrl!)!, inputs.WorkspaceUrl!);

    private static Uri? Parse(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
        && uri.Host is "localhost" or "127.0.0.1" ? uri : null;
}
