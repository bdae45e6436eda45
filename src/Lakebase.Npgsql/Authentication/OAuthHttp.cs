using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Lakebase.Npgsql.Credentials;
using Lakebase.Npgsql.Http;

namespace Lakebase.Npgsql.Authentication;

/// <summary>
/// The HTTP calls the token sources share: OIDC discovery of the workspace's token endpoint (cached per host, as the
/// SDKs read <c>{host}/oidc/.well-known/oauth-authorization-server</c> before any grant), token requests and their
/// answers. Errors are <see cref="LakebaseCredentialException"/>s with the fix; request and answer bodies are never quoted.
/// </summary>
internal static class OAuthHttp
{
    private static readonly TimeSpan DiscoveryTimeout = TimeSpan.FromSeconds(30);

    private static readonly ConcurrentDictionary<string, Lazy<Task<Uri>>> Discovered = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The workspace's token endpoint, discovered once per host. It must be on the workspace's own host: secrets go there.</summary>
    public static async Task<Uri> TokenEndpointAsync(Func<HttpClient> http, Uri workspaceUrl, CancellationToken cancellationToken)
    {
        var key = workspaceUrl.GetLeftPart(UriPartial.Authority);
        var lookup = Discovered.GetOrAdd(key, _ => new Lazy<Task<Uri>>(() => DiscoverAsync(http, workspaceUrl)));
        try
        {
            return await lookup.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch when (lookup.Value.IsFaulted || lookup.Value.IsCanceled)
        {
            // Failures are not cached: the next caller asks again.
            Discovered.TryRemove(new KeyValuePair<string, Lazy<Task<Uri>>>(key, lookup));
            throw;
        }
    }

    internal static void ForgetDiscovery() => Discovered.Clear();

    private static async Task<Uri> DiscoverAsync(Func<HttpClient> http, Uri workspaceUrl)
    {
        const string operation = "discover the workspace's OAuth endpoints";
        var workspace = workspaceUrl.GetLeftPart(UriPartial.Authority);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(workspaceUrl, "oidc/.well-known/oauth-authorization-server"));

        // Shared by every caller, so no caller's token: bounded by its own timeout, reported as the workspace not answering.
        using var document = await SendAsync(http, request, operation, "the workspace", workspace, CancellationToken.None, DiscoveryTimeout).ConfigureAwait(false);
        var text = document.RootElement.TryGetProperty("token_endpoint", out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var endpoint))
        {
            throw DatabricksApiErrors.InvalidResponse(operation, "the workspace", workspace, "no token_endpoint");
        }

        if (!string.Equals(endpoint.GetLeftPart(UriPartial.Authority), workspace, StringComparison.OrdinalIgnoreCase))
        {
            throw DatabricksApiErrors.InvalidResponse(operation, "the workspace", workspace,
                $"its token_endpoint is on another host ({endpoint.GetLeftPart(UriPartial.Authority)}), and credentials are only sent to the workspace itself");
        }

        return endpoint;
    }

    /// <summary>Posts a token request and reads <c>access_token</c> and its expiry.</summary>
    public static async Task<(string Token, DateTimeOffset? ExpiresAt)> RequestTokenAsync(
        Func<HttpClient> http,
        Uri endpoint,
        IEnumerable<KeyValuePair<string, string>> form,
        AuthenticationHeaderValue? authorization,
        string target,
        TimeProvider timeProvider,
        CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Authorization = authorization;
        return await GetTokenAsync(http, request, "obtain a workspace OAuth token", target, timeProvider, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends a request whose answer is an OAuth token (<c>access_token</c> with <c>expires_in</c> or <c>expires_on</c>).</summary>
    public static async Task<(string Token, DateTimeOffset? ExpiresAt)> GetTokenAsync(
        Func<HttpClient> http, HttpRequestMessage request, string operation, string target, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        var server = request.RequestUri!.GetLeftPart(UriPartial.Authority);
        using var document = await SendAsync(http, request, operation, target, server, cancellationToken).ConfigureAwait(false);
        var root = document.RootElement;
        var token = JsonFields.Text(root, "access_token");
        if (string.IsNullOrEmpty(token))
        {
            throw DatabricksApiErrors.InvalidResponse(operation, target, server, "no access_token");
        }

        // Bounded (CachedWorkspaceTokenSource.MaxLifetime): a huge expires_in or expires_on must neither overflow a
        // DateTimeOffset nor keep a token in use for months.
        var now = timeProvider.GetUtcNow();
        DateTimeOffset? expiresAt = null;
        if (Seconds(root, "expires_in") is { } lifetime)
        {
            expiresAt = CachedWorkspaceTokenSource.ExpiryIn(now, lifetime);
        }
        else if (Seconds(root, "expires_on") is { } epoch)
        {
            expiresAt = CachedWorkspaceTokenSource.ExpiryIn(now, Math.Max(epoch, 0) - now.ToUnixTimeSeconds());
        }

        return (token, expiresAt);
    }

    private static async Task<JsonDocument> SendAsync(
        Func<HttpClient> http, HttpRequestMessage request, string operation, string target, string server, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (timeout is { } limit)
        {
            attempt.CancelAfter(limit);
        }

        try
        {
            using var response = await http().SendAsync(request, HttpCompletionOption.ResponseHeadersRead, attempt.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw await DatabricksApiErrors.FromResponseAsync(response, operation, target, server, attempt.Token).ConfigureAwait(false);
            }

            return await ResponseBody.ReadJsonAsync(response, operation, target, server, attempt.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or IOException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // Only the caller's own cancellation passes through as such; any other timeout is the server not answering.
            throw DatabricksApiErrors.Unreachable(operation, target, server, e);
        }
    }

    /// <summary>A number of seconds given as a JSON number or a numeric string.</summary>
    private static long? Seconds(JsonElement element, string name) =>
        !element.TryGetProperty(name, out var value) ? null
        : value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number) ? number
        : value.ValueKind == JsonValueKind.String && long.TryParse(value.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) ? parsed
        : null;
}
