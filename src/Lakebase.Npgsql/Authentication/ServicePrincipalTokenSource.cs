using System.Net.Http.Headers;
using System.Text;
using Lakebase.Npgsql.Authentication.Methods;
using Lakebase.Npgsql.Diagnostics;

namespace Lakebase.Npgsql.Authentication;

/// <summary>
/// OAuth machine-to-machine (<c>oauth-m2m</c>): exchanges a service principal's client id and secret for a workspace
/// token at the token endpoint the workspace advertises (OIDC discovery), client credentials grant, scope
/// <c>all-apis</c>, id and secret in HTTP Basic auth (databricks-sdk-go <c>config/auth_m2m.go</c>).
/// </summary>
internal sealed class ServicePrincipalTokenSource : CachedWorkspaceTokenSource
{
    private readonly AuthServices _services;
    private readonly Uri _workspaceUrl;
    private readonly AuthenticationHeaderValue _basicAuthorization;
    private readonly string _clientId;

    public ServicePrincipalTokenSource(AuthServices services, Uri workspaceUrl, string clientId, string clientSecret)
        : base(services.Cache, services.TimeProvider)
    {
        _services = services;
        _workspaceUrl = workspaceUrl;
        _clientId = clientId;

        // RFC 6749 2.3.1: id and secret are form-url-encoded before being joined for Basic auth.
        var credentials = $"{Uri.EscapeDataString(clientId)}:{Uri.EscapeDataString(clientSecret)}";
        _basicAuthorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
    }

    public override string Description => "oauth-m2m (service principal)";

    protected override async Task<(string Token, DateTimeOffset? ExpiresAt)> FetchAsync(CancellationToken cancellationToken)
    {
        var endpoint = await OAuthHttp.TokenEndpointAsync(_services.Http, _workspaceUrl, cancellationToken).ConfigureAwait(false);
        var result = await OAuthHttp.RequestTokenAsync(
            _services.Http,
            endpoint,
            [new("grant_type", "client_credentials"), new("scope", "all-apis")],
            _basicAuthorization,
            $"service principal {_clientId}",
            TimeProvider,
            cancellationToken).ConfigureAwait(false);
        LakebaseLog.WorkspaceTokenIssued(_services.Logger, endpoint.ToString(), result.ExpiresAt ?? DateTimeOffset.MinValue);
        return result;
    }
}
