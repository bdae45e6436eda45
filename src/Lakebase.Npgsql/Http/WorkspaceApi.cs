using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Lakebase.Npgsql.Authentication;

namespace Lakebase.Npgsql.Http;

/// <summary>
/// One authenticated call to the workspace's REST API: the bearer token of the credentials chain (a 401 makes it fetch a
/// new one once), a per-attempt timeout, a capped body, and Databricks' error shape turned into an actionable
/// <see cref="LakebaseCredentialException"/>. One call is one attempt: retrying is the caller's decision.
/// </summary>
internal sealed class WorkspaceApi(Func<HttpClient> httpClient, Uri workspaceUrl, IWorkspaceTokenSource tokens)
{
    // The workspace answers well within this; a hung request must not hold a caller for long.
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(10);

    public Uri WorkspaceUrl => workspaceUrl;

    public string Workspace { get; } = workspaceUrl.GetLeftPart(UriPartial.Authority);

    public IWorkspaceTokenSource Tokens => tokens;

    /// <summary>
    /// Sends a request to <paramref name="path"/> (relative to the workspace) and returns the answer's JSON and Date
    /// header. <paramref name="operation"/> and <paramref name="target"/> name what failed in errors; <paramref name="notFound"/>,
    /// when given, says what a 404 means here (otherwise it is read as a wrong endpoint name).
    /// </summary>
    public async Task<(JsonDocument Document, DateTimeOffset? Date)> SendAsync(
        HttpMethod method, string path, string? json, string operation, string target, CancellationToken cancellationToken, string? notFound = null)
    {
        var url = new Uri(workspaceUrl, path);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(AttemptTimeout);

        // A 401 may mean the cached workspace token was revoked early: fetch a new one once before giving up.
        for (var attempt = 1; ; attempt++)
        {
            string bearer;
            try
            {
                bearer = await tokens.GetTokenAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                // Our own attempt timeout, not the caller's cancellation: a hung token endpoint is a transient outage.
                throw DatabricksApiErrors.Unreachable("obtain a workspace token", target, Workspace, e);
            }

            using var request = new HttpRequestMessage(method, url);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
            if (json is not null)
            {
                request.Content = new StringContent(json, Encoding.UTF8, "application/json");
            }

            try
            {
                using var response = await httpClient().SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.Unauthorized && attempt == 1 && tokens.Invalidate(bearer))
                {
                    continue;
                }

                if (!response.IsSuccessStatusCode)
                {
                    var error = await DatabricksApiErrors.FromResponseAsync(response, operation, target, Workspace, timeout.Token).ConfigureAwait(false);
                    throw notFound is not null && response.StatusCode == HttpStatusCode.NotFound
                        ? new LakebaseCredentialException(error.Reason, $"Could not {operation} for {target} at {Workspace} (HTTP 404): {notFound}", error.StatusCode, error.ErrorCode, error.RetryAfter)
                        : error;
                }

                // A Date header that does not parse is null here: no skew correction, as if it were absent.
                return (await ResponseBody.ReadJsonAsync(response, operation, target, Workspace, timeout.Token).ConfigureAwait(false), response.Headers.Date);
            }
            catch (Exception e) when (e is HttpRequestException or IOException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                throw DatabricksApiErrors.Unreachable(operation, target, Workspace, e);
            }
        }
    }
}
