using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Serialization;

namespace Lakebase.Benchmarks.Variants;

/// <summary>
/// The Databricks guide's credential code, transcribed: the workspace OAuth token is cached (as the SDK does), and a
/// database credential is generated with one POST per call, i.e. per physical connection.
/// </summary>
internal sealed class GuideCredentialClient : IDisposable
{
    // The SDK refreshes its workspace token a little ahead of expiry.
    private static readonly TimeSpan WorkspaceTokenMargin = TimeSpan.FromMinutes(1);

    private readonly HttpClient _http;
    private readonly Uri _workspaceUrl;
    private readonly string _endpoint;
    private readonly AuthenticationHeaderValue _basic;
    private readonly SemaphoreSlim _workspaceTokenLock = new(1, 1);
    private (string Token, DateTimeOffset RefreshAt)? _workspaceToken;

    public GuideCredentialClient(Uri workspaceUrl, string endpoint, string clientId, string clientSecret)
    {
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) });
        _workspaceUrl = workspaceUrl;
        _endpoint = endpoint;
        _basic = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{clientId}:{clientSecret}")));
    }

    /// <summary>POST /api/2.0/postgres/credentials: one round trip, every time.</summary>
    public async Task<string> GenerateDatabaseCredentialAsync(CancellationToken ct)
    {
        var bearer = await GetWorkspaceTokenAsync(ct).ConfigureAwait(false);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_workspaceUrl, "api/2.0/postgres/credentials"))
        {
            Content = JsonContent.Create(new CredentialRequest(_endpoint)),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        using var response = await _http.SendAsync(request, ct).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        var credential = await response.Content.ReadFromJsonAsync<CredentialResponse>(ct).ConfigureAwait(false);
        return credential?.Token ?? throw new InvalidOperationException("The credential API answered without a token.");
    }

    public void Dispose()
    {
        _http.Dispose();
        _workspaceTokenLock.Dispose();
    }

    private async ValueTask<string> GetWorkspaceTokenAsync(CancellationToken ct)
    {
        if (_workspaceToken is { } cached && cached.RefreshAt > DateTimeOffset.UtcNow)
        {
            return cached.Token;
        }

        await _workspaceTokenLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_workspaceToken is { } again && again.RefreshAt > DateTimeOffset.UtcNow)
            {
                return again.Token;
            }

            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_workspaceUrl, "oidc/v1/token"))
            {
                Content = new FormUrlEncodedContent([new("grant_type", "client_credentials"), new("scope", "all-apis")]),
            };
            request.Headers.Authorization = _basic;
            using var response = await _http.SendAsync(request, ct).ConfigureAwait(false);
            response.EnsureSuccessStatusCode();
            var token = await response.Content.ReadFromJsonAsync<WorkspaceTokenResponse>(ct).ConfigureAwait(false)
                ?? throw new InvalidOperationException("The OIDC endpoint answered without a token.");
            _workspaceToken = (token.AccessToken, DateTimeOffset.UtcNow.AddSeconds(token.ExpiresIn) - WorkspaceTokenMargin);
            return token.AccessToken;
        }
        finally
        {
            _workspaceTokenLock.Release();
        }
    }

    private sealed record CredentialRequest([property: JsonPropertyName("endpoint")] string Endpoint);

    private sealed record CredentialResponse([property: JsonPropertyName("token")] string Token);

    private sealed record WorkspaceTokenResponse(
        [property: JsonPropertyName("access_token")] string AccessToken,
        [property: JsonPropertyName("expires_in")] int ExpiresIn);
}
