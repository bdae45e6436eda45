using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Lakebase.Npgsql.Credentials;
using Lakebase.Npgsql.Diagnostics;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;

namespace Lakebase.Npgsql.Authentication;

/// <summary>
/// OAuth machine-to-machine: exchanges a service principal's client id and secret for a workspace token at
/// <c>{host}/oidc/v1/token</c> (client credentials grant, scope <c>all-apis</c>).
/// </summary>
internal sealed class ServicePrincipalTokenSource : CachedWorkspaceTokenSource
{
    private readonly Func<HttpClient> _http;
    private readonly Uri _tokenEndpoint;
    private readonly AuthenticationHeaderValue _basicAuthorization;
    private readonly string _clientId;
    private readonly ILogger _logger;

    public ServicePrincipalTokenSource(Func<HttpClient> http, Uri workspaceUrl, string clientId, string clientSecret, IMemoryCache cache, TimeProvider timeProvider, ILogger logger)
        : base(cache, timeProvider)
    {
        _http = http;
        _tokenEndpoint = new Uri(workspaceUrl, "oidc/v1/token");
        _clientId = clientId;
        _logger = logger;

        // RFC 6749 2.3.1: id and secret are form-url-encoded before being joined for Basic auth.
        var credentials = $"{Uri.EscapeDataString(clientId)}:{Uri.EscapeDataString(clientSecret)}";
        _basicAuthorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
    }

    public override string Description => "service principal (OAuth M2M)";

    protected override async Task<(string Token, DateTimeOffset? ExpiresAt)> FetchAsync(CancellationToken cancellationToken)
    {
        const string operation = "obtain a workspace OAuth token";
        var target = $"service principal {_clientId}";
        var workspace = _tokenEndpoint.GetLeftPart(UriPartial.Authority);
        using var request = new HttpRequestMessage(HttpMethod.Post, _tokenEndpoint)
        {
            Content = new FormUrlEncodedContent([new("grant_type", "client_credentials"), new("scope", "all-apis")]),
        };
        request.Headers.Authorization = _basicAuthorization;

        HttpResponseMessage response;
        try
        {
            response = await _http().SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw DatabricksApiErrors.Unreachable(operation, target, workspace, e);
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                throw await DatabricksApiErrors.FromResponseAsync(response, operation, target, workspace, cancellationToken).ConfigureAwait(false);
            }

            try
            {
                await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                using var document = await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken).ConfigureAwait(false);
                var root = document.RootElement;
                var token = root.TryGetProperty("access_token", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
                if (string.IsNullOrEmpty(token))
                {
                    throw DatabricksApiErrors.InvalidResponse(operation, target, workspace, "no access_token");
                }

                DateTimeOffset? expiresAt = root.TryGetProperty("expires_in", out var e) && e.TryGetInt32(out var seconds)
                    ? TimeProvider.GetUtcNow().AddSeconds(seconds)
                    : null;
                LakebaseLog.WorkspaceTokenIssued(_logger, _tokenEndpoint.ToString(), expiresAt ?? DateTimeOffset.MinValue);
                return (token, expiresAt);
            }
            catch (JsonException)
            {
                throw DatabricksApiErrors.InvalidResponse(operation, target, workspace, "not JSON");
            }
        }
    }
}
