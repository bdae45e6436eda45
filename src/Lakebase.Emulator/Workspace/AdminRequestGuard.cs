using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Lakebase.Emulator.Workspace;

/// <summary>
/// Keeps web pages away from the unauthenticated <c>/emulator/*</c> admin API. Listening on 127.0.0.1 is not enough:
/// a page in the developer's browser can post to it (CSRF), and a DNS name rebound to 127.0.0.1 lets a page read it.
/// So a request must name the emulator itself in <c>Host</c> (a rebound name does not), must not come from another
/// <c>Origin</c>, and a POST must carry JSON, which a browser sends cross-origin only after a CORS preflight the
/// emulator never approves.
/// </summary>
internal static class AdminRequestGuard
{
    public const string PathPrefix = "/emulator";

    /// <returns><see langword="true"/> when the request may proceed; otherwise the refusal has been written.</returns>
    public static async Task<bool> PassAsync(HttpContext context)
    {
        var request = context.Request;
        var port = context.Connection.LocalPort;
        if (!IsLoopbackAuthority(request.Host.Host, request.Host.Port ?? 80, port))
        {
            await ApiResponses.ErrorAsync(context, 403, "PERMISSION_DENIED",
                $"The emulator admin API answers only requests addressed to itself: the Host header must be 127.0.0.1:{port}, " +
                $"localhost:{port} or [::1]:{port}, not '{request.Host}'. Call it from this machine by that address.").ConfigureAwait(false);
            return false;
        }

        var origin = request.Headers.Origin.ToString();
        if (origin.Length > 0 && !IsOwnOrigin(origin, port))
        {
            await ApiResponses.ErrorAsync(context, 403, "PERMISSION_DENIED",
                $"The emulator admin API refuses cross-origin requests (Origin '{origin}'): web pages may not drive it. " +
                "Call it from a script or a test, which sends no Origin header.").ConfigureAwait(false);
            return false;
        }

        if (HttpMethods.IsPost(request.Method) && !IsJson(request.ContentType))
        {
            await ApiResponses.ErrorAsync(context, 415, "INVALID_PARAMETER_VALUE",
                $"The emulator admin API requires 'Content-Type: application/json' on POST, got '{request.ContentType ?? "none"}'. " +
                "Send a JSON body ({} when there are no settings), e.g. curl -H 'Content-Type: application/json' -d '{}'.").ConfigureAwait(false);
            return false;
        }

        return true;
    }

    private static bool IsLoopbackAuthority(string host, int port, int expectedPort) =>
        port == expectedPort && (host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || IsLoopbackAddress(host));

    private static bool IsLoopbackAddress(string host) =>
        host is "127.0.0.1" or "[::1]";

    private static bool IsOwnOrigin(string origin, int expectedPort) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri)
        && uri.Scheme == Uri.UriSchemeHttp
        && uri.AbsolutePath == "/"
        && IsLoopbackAuthority(uri.Host, uri.Port, expectedPort);

    private static bool IsJson(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var parsed)
        && parsed.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase);
}
