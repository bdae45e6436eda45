using System.Net;
using System.Net.Http.Headers;
using Lakebase.Npgsql.Credentials;
using Lakebase.Npgsql.Http;

namespace Lakebase.Npgsql.Authentication;

/// <summary>Who a workspace token belongs to: <c>GET /api/2.0/preview/scim/v2/Me</c>, its <c>userName</c> (an e-mail for a user).</summary>
internal static class CurrentUserClient
{
    private const string Operation = "look up the database user (SCIM Me)";

    // The workspace answers within this; a hung request must not hold the first open for its whole connect timeout.
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(10);

    public static async Task<string> GetUserNameAsync(Func<HttpClient> http, Uri workspaceUrl, IWorkspaceTokenSource tokens, CancellationToken cancellationToken)
    {
        var workspace = workspaceUrl.GetLeftPart(UriPartial.Authority);
        var url = new Uri(workspaceUrl, "api/2.0/preview/scim/v2/Me");
        for (var attempt = 1; ; attempt++)
        {
            var bearer = await tokens.GetTokenAsync(cancellationToken).ConfigureAwait(false);
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(AttemptTimeout);
            try
            {
                using var response = await http().SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);

                // A 401 may mean the cached token was revoked early: fetch a new one once.
                if (response.StatusCode == HttpStatusCode.Unauthorized && attempt == 1 && tokens.Invalidate(bearer))
                {
                    continue;
                }

                if (!response.IsSuccessStatusCode)
                {
                    throw await DatabricksApiErrors.FromResponseAsync(response, Operation, tokens.Description, workspace, timeout.Token).ConfigureAwait(false);
                }

                using var document = await ResponseBody.ReadJsonAsync(response, Operation, tokens.Description, workspace, timeout.Token).ConfigureAwait(false);
                return JsonFields.Text(document.RootElement, "userName") is { Length: > 0 } user
                    ? user
                    : throw DatabricksApiErrors.InvalidResponse(Operation, tokens.Description, workspace, "no userName; set Username(...) or PGUSER");
            }
            catch (Exception e) when (e is HttpRequestException or IOException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                throw DatabricksApiErrors.Unreachable(Operation, tokens.Description, workspace, e);
            }
        }
    }
}
