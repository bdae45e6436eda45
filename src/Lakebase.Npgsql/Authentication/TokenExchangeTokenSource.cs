using Lakebase.Npgsql.Authentication.Methods;
using Lakebase.Npgsql.Diagnostics;

namespace Lakebase.Npgsql.Authentication;

/// <summary>
/// Workload identity federation: an OIDC ID token (from GitHub Actions, a variable or a file) exchanged for a workspace
/// token at the discovered token endpoint, RFC 8693 (<c>grant_type=urn:ietf:params:oauth:grant-type:token-exchange</c>,
/// <c>subject_token_type=urn:ietf:params:oauth:token-type:jwt</c>, <c>scope=all-apis</c>, <c>client_id</c> when set;
/// no client secret). The ID token's audience defaults to the token endpoint (databricks-sdk-go
/// <c>config/experimental/auth/oidc/tokensource.go</c> <c>determineAudience</c>).
/// </summary>
internal sealed class TokenExchangeTokenSource(
    AuthServices services,
    Uri workspaceUrl,
    string name,
    string? clientId,
    string? audience,
    Func<string, CancellationToken, Task<string>> idToken)
    : CachedWorkspaceTokenSource(services.Cache, services.TimeProvider)
{
    public override string Description => name;

    protected override async Task<(string Token, DateTimeOffset? ExpiresAt)> FetchAsync(CancellationToken cancellationToken)
    {
        var endpoint = await OAuthHttp.TokenEndpointAsync(services.Http, workspaceUrl, cancellationToken).ConfigureAwait(false);
        var subjectToken = await idToken(audience ?? endpoint.ToString(), cancellationToken).ConfigureAwait(false);
        var form = new List<KeyValuePair<string, string>>
        {
            new("grant_type", "urn:ietf:params:oauth:grant-type:token-exchange"),
            new("subject_token_type", "urn:ietf:params:oauth:token-type:jwt"),
            new("subject_token", subjectToken),
            new("scope", "all-apis"),
        };
        if (clientId is not null)
        {
            form.Add(new("client_id", clientId));
        }

        var result = await OAuthHttp.RequestTokenAsync(services.Http, endpoint, form, authorization: null, $"{name} federation" + (clientId is null ? string.Empty : $" of {clientId}"), TimeProvider, cancellationToken)
            .ConfigureAwait(false);
        LakebaseLog.WorkspaceTokenIssued(services.Logger, endpoint.ToString(), result.ExpiresAt ?? DateTimeOffset.MinValue);
        return result;
    }
}
