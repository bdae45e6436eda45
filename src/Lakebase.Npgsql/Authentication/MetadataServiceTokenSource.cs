using Lakebase.Npgsql.Authentication.Methods;
using Lakebase.Npgsql.Diagnostics;

namespace Lakebase.Npgsql.Authentication;

/// <summary>
/// Workspace tokens from a local metadata service: <c>GET {url}</c> with <c>X-Databricks-Metadata-Version: 1</c> and
/// <c>X-Databricks-Host: {host}</c>, answered with <c>access_token</c>, <c>token_type</c>, <c>expires_on</c> (Unix seconds).
/// </summary>
internal sealed class MetadataServiceTokenSource(AuthServices services, Uri url, Uri workspaceUrl)
    : CachedWorkspaceTokenSource(services.Cache, services.TimeProvider)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public override string Description => "metadata-service";

    protected override async Task<(string Token, DateTimeOffset? ExpiresAt)> FetchAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Add("X-Databricks-Metadata-Version", "1");
        request.Headers.Add("X-Databricks-Host", workspaceUrl.GetLeftPart(UriPartial.Authority));
        var result = await OAuthHttp.GetTokenAsync(services.Http, request, "obtain a workspace token from the metadata service", "metadata-service", TimeProvider, timeout.Token)
            .ConfigureAwait(false);
        LakebaseLog.WorkspaceTokenIssued(services.Logger, url.GetLeftPart(UriPartial.Path), result.ExpiresAt ?? DateTimeOffset.MinValue);
        return result;
    }
}
