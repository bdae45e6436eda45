using System.Net.Http.Headers;
using Lakebase.Npgsql.Http;

namespace Lakebase.Npgsql.Authentication.Methods;

/// <summary>
/// <c>github-oidc</c>: in a GitHub Actions job with <c>permissions: id-token: write</c>, an ID token requested from
/// <c>ACTIONS_ID_TOKEN_REQUEST_URL&amp;audience=…</c> with <c>Authorization: Bearer ACTIONS_ID_TOKEN_REQUEST_TOKEN</c>
/// (answer <c>{"value": …}</c>), exchanged at the workspace. Requires host and client_id (databricks-sdk-py
/// <c>github_oidc</c>; databricks-sdk-go <c>config/experimental/auth/oidc/github.go</c>). The database user is the client id.
/// </summary>
internal sealed class GitHubOidcMethod : AuthenticationMethod
{
    private const string RequestUrl = "ACTIONS_ID_TOKEN_REQUEST_URL";
    private const string RequestToken = "ACTIONS_ID_TOKEN_REQUEST_TOKEN";

    public override string Name => "github-oidc";

    public override LakebaseAuthenticationMethod Kind => LakebaseAuthenticationMethod.WorkloadIdentityFederation;

    public override string? Missing(AuthInputs inputs) => Lacking(
        (inputs.Variable(RequestUrl) is not null && inputs.Variable(RequestToken) is not null,
            $"not in a GitHub Actions job allowed to request ID tokens ({RequestUrl}/{RequestToken} unset: add `permissions: id-token: write`)"),
        (inputs.Options.ClientId is not null, "no client_id (DATABRICKS_CLIENT_ID: the service principal with the federation policy)"),
        (inputs.HasHost, "no host (DATABRICKS_HOST)"));

    public override IWorkspaceTokenSource Create(AuthInputs inputs, AuthServices services) => new TokenExchangeTokenSource(
        services,
        inputs.WorkspaceUrl!,
        Name,
        inputs.Options.ClientId,
        inputs.Options.TokenAudience,
        (audience, cancellationToken) => RequestIdTokenAsync(services, inputs.Variable(RequestUrl)!, inputs.Variable(RequestToken)!, audience, cancellationToken));

    public override string? ServicePrincipalId(AuthInputs inputs) => inputs.Options.ClientId;

    private static async Task<string> RequestIdTokenAsync(AuthServices services, string url, string bearer, string audience, CancellationToken cancellationToken)
    {
        const string operation = "obtain a GitHub Actions ID token";
        var server = Uri.TryCreate(url, UriKind.Absolute, out var parsed) ? parsed.GetLeftPart(UriPartial.Authority) : "ACTIONS_ID_TOKEN_REQUEST_URL";
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{url}&audience={Uri.EscapeDataString(audience)}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        try
        {
            using var response = await services.Http().SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new LakebaseCredentialException(
                    LakebaseCredentialError.Unauthenticated,
                    $"Could not {operation}: {server} answered HTTP {(int)response.StatusCode}. Check that the job has `permissions: id-token: write`.",
                    response.StatusCode);
            }

            using var document = await Http.ResponseBody.ReadJsonAsync(response, operation, "github-oidc", server, cancellationToken).ConfigureAwait(false);
            return JsonFields.Text(document.RootElement, "value") is { Length: > 0 } token
                ? token
                : throw Http.DatabricksApiErrors.InvalidResponse(operation, "github-oidc", server, "no value");
        }
        catch (Exception e) when (e is HttpRequestException or IOException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw Http.DatabricksApiErrors.Unreachable(operation, "github-oidc", server, e);
        }
    }
}
