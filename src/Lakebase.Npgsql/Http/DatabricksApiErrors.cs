using System.Net;
using System.Text.Json;
using Lakebase.Npgsql.Diagnostics;

namespace Lakebase.Npgsql.Http;

/// <summary>
/// Turns a failed workspace API answer into a <see cref="LakebaseCredentialException"/> whose message tells the user
/// what to fix. Classification uses the HTTP status and <c>error_code</c> only, never the message text.
/// </summary>
internal static class DatabricksApiErrors
{
    public static async Task<LakebaseCredentialException> FromResponseAsync(HttpResponseMessage response, string operation, string target, string workspace, CancellationToken cancellationToken)
    {
        // Redirects are never followed (a token must not travel to whatever host a redirect names); say so plainly.
        if ((int)response.StatusCode is >= 300 and < 400)
        {
            var location = response.Headers.Location is { IsAbsoluteUri: true } to ? to.GetLeftPart(UriPartial.Authority) : "another location";
            return InvalidResponse(operation, target, workspace,
                $"HTTP {(int)response.StatusCode}, a redirect to {location}, which is never followed so that no token leaves the workspace; set DATABRICKS_HOST to the workspace URL itself (https://..., as shown in the browser after signing in)");
        }

        var (errorCode, serverMessage) = await ReadErrorAsync(response, cancellationToken).ConfigureAwait(false);
        var status = response.StatusCode;
        var retryAfter = RetryAfter(response);
        var said = serverMessage is null ? string.Empty : $" Databricks said: \"{serverMessage}\".";
        var code = errorCode is null ? $"HTTP {(int)status}" : $"HTTP {(int)status} {SecretRedaction.OneLine(errorCode, 100)}";

        var (reason, fix) = status switch
        {
            _ when errorCode is "invalid_client" or "unauthorized_client" => (LakebaseCredentialError.InvalidClient,
                "Check DATABRICKS_CLIENT_ID (the service principal's application id, a UUID) and DATABRICKS_CLIENT_SECRET (an OAuth secret generated for that service principal, not expired)."),
            HttpStatusCode.Unauthorized => (LakebaseCredentialError.Unauthenticated,
                "The workspace rejected the bearer token. For a personal access token (DATABRICKS_TOKEN) check that it has not expired or been revoked and belongs to this workspace; for a service principal check DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET."),
            HttpStatusCode.Forbidden => (LakebaseCredentialError.PermissionDenied,
                "If the message mentions the workspace-access entitlement, enable \"Workspace access\" for the service principal (workspace settings > Identity and access > Service principals > Entitlements). Otherwise grant the principal permission to use the Lakebase project."),
            HttpStatusCode.NotFound => (LakebaseCredentialError.EndpointNotFound,
                $"Check the endpoint name: it must be {LakebaseEndpointName.ExpectedFormat}, copy it from the Lakebase UI or 'databricks postgres list-endpoints' (the endpoint id is not the ep-... uid in the host name), and DATABRICKS_HOST must be the workspace that owns the project."),
            HttpStatusCode.BadRequest => (LakebaseCredentialError.InvalidRequest,
                $"Check the endpoint name ({LakebaseEndpointName.ExpectedFormat}) and the requested settings."),
            HttpStatusCode.TooManyRequests => (LakebaseCredentialError.RateLimited,
                "The workspace is rate limiting credential requests; this library retries honouring Retry-After."),
            HttpStatusCode.ServiceUnavailable or HttpStatusCode.BadGateway or HttpStatusCode.GatewayTimeout => (LakebaseCredentialError.Unavailable,
                "The workspace is temporarily unavailable; this library retries. If it persists, check the Databricks status page."),
            _ => (LakebaseCredentialError.Unknown, "Unexpected answer from the workspace."),
        };

        return new LakebaseCredentialException(
            reason,
            $"Could not {operation} for {target} at {workspace} ({code}). {fix}{said}",
            status,
            errorCode,
            retryAfter);
    }

    public static LakebaseCredentialException Unreachable(string operation, string target, string workspace, Exception exception) =>
        new(
            LakebaseCredentialError.Unavailable,
            $"Could not {operation} for {target}: the workspace at {workspace} did not answer ({exception.GetType().Name}: {exception.Message}). Check DATABRICKS_HOST and the network path to the workspace.",
            innerException: exception);

    public static LakebaseCredentialException InvalidResponse(string operation, string target, string workspace, string problem) =>
        new(
            LakebaseCredentialError.InvalidResponse,
            $"Could not {operation} for {target}: the answer from {workspace} could not be read ({problem}). Check that DATABRICKS_HOST is the workspace URL, not another service.");

    private static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta;
        }

        return header?.Date is { } date ? date - DateTimeOffset.UtcNow : null;
    }

    private static async Task<(string? ErrorCode, string? Message)> ReadErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            // Capped: an error page may be anything. Past the cap, or not JSON (an HTML 502 page), there is no message.
            var body = await ResponseBody.ReadAsync(response.Content, cancellationToken).ConfigureAwait(false);
            if (body is null || body.Length == 0)
            {
                return (null, null);
            }

            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, null);
            }

            // REST APIs answer {error_code, message}; the OAuth token endpoint answers {error, error_description}.
            // The text is the server's, and may quote what was sent (a token, a secret): it is redacted here, where it
            // is read, so the exception message, the log line and LastError built from it never carry it.
            var code = JsonFields.Text(root, "error_code") ?? JsonFields.Text(root, "error");
            var message = SecretRedaction.ServerText(JsonFields.Text(root, "message") ?? JsonFields.Text(root, "error_description"));
            return (code, message);
        }
        catch (Exception e) when (e is JsonException or HttpRequestException or IOException)
        {
            return (null, null);
        }
    }
}
