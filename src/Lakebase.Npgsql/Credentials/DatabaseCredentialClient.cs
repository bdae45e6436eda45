using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Lakebase.Npgsql.Authentication;
using Lakebase.Npgsql.Configuration;
using Lakebase.Npgsql.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lakebase.Npgsql.Credentials;

/// <summary>
/// The two workspace REST calls Lakebase needs: generate a database credential for an Autoscaling endpoint
/// (<c>POST /api/2.0/postgres/credentials</c>) and read an endpoint's host (<c>GET /api/2.0/postgres/{name}</c>).
/// One call is one attempt: retrying is the cache's decision. Expiry times are converted to this machine's clock using
/// the skew estimated from each answer's HTTP <c>Date</c> header.
/// </summary>
internal sealed class DatabaseCredentialClient(Func<HttpClient> httpClient, Uri workspaceUrl, IWorkspaceTokenSource tokens, LakebaseEndpointName endpoint, TimeProvider timeProvider, ILogger? logger = null)
{
    // The Date header has whole-second resolution and the answer spends a round trip in flight: smaller differences
    // are noise (and the expiry safety margin absorbs them).
    private static readonly TimeSpan SkewThreshold = TimeSpan.FromSeconds(5);

    private long _loggedSkewSeconds;

    // The credential API answers well within this; a hung request must not hold a connection open for long.
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(10);

    // Database tokens live 60 minutes; used only if the answer omits its expiry.
    private static readonly TimeSpan DocumentedTokenLifetime = TimeSpan.FromMinutes(60);

    private readonly Uri _credentialsUrl = new(workspaceUrl, "api/2.0/postgres/credentials");
    private readonly Uri _endpointUrl = new(workspaceUrl, "api/2.0/postgres/" + endpoint.Name);
    private readonly string _workspace = workspaceUrl.GetLeftPart(UriPartial.Authority);
    private readonly string _target = $"Lakebase endpoint {endpoint.Name}";

    public string WorkspaceTokenDescription => tokens.Description;

    public async Task<DatabaseCredential> GenerateAsync(CancellationToken cancellationToken)
    {
        const string operation = "generate a database credential";
        var body = JsonSerializer.Serialize(new Dictionary<string, string> { ["endpoint"] = endpoint.Name });
        var answer = await SendAsync(HttpMethod.Post, _credentialsUrl, body, operation, cancellationToken).ConfigureAwait(false);
        using var document = answer.Document;
        var serverDate = answer.Date;
        var root = document.RootElement;
        var token = root.TryGetProperty("token", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        if (string.IsNullOrEmpty(token))
        {
            throw DatabricksApiErrors.InvalidResponse(operation, _target, _workspace, "no token");
        }

        var issuedAt = timeProvider.GetUtcNow();
        var skew = EstimateSkew(serverDate, issuedAt);
        var expiresAt = (ReadTime(root, "expire_time") ?? ReadTime(root, "expiration_time"))?.Subtract(skew) ?? issuedAt + DocumentedTokenLifetime;
        if (expiresAt <= issuedAt)
        {
            // The workspace just issued the token, so an expiry in the past means clocks we could not correct for
            // (no Date header): trust the documented lifetime rather than treat it as expired and ask again at once.
            expiresAt = issuedAt + DocumentedTokenLifetime;
        }

        return new DatabaseCredential(token, issuedAt, expiresAt);
    }

    public async Task<string> GetEndpointHostAsync(CancellationToken cancellationToken)
    {
        const string operation = "look up the endpoint's host";
        using var document = (await SendAsync(HttpMethod.Get, _endpointUrl, null, operation, cancellationToken).ConfigureAwait(false)).Document;
        var root = document.RootElement;
        if (root.TryGetProperty("status", out var status) && status.ValueKind == JsonValueKind.Object
            && status.TryGetProperty("hosts", out var hosts) && hosts.ValueKind == JsonValueKind.Object
            && hosts.TryGetProperty("host", out var host) && host.ValueKind == JsonValueKind.String
            && !string.IsNullOrWhiteSpace(host.GetString()))
        {
            return host.GetString()!;
        }

        throw DatabricksApiErrors.InvalidResponse(operation, _target, _workspace, "no status.hosts.host; set the host explicitly with Host(...) or PGHOST");
    }

    /// <summary>The workspace's clock minus this machine's, from the answer's Date header; zero when within the header's precision.</summary>
    private TimeSpan EstimateSkew(DateTimeOffset? serverDate, DateTimeOffset receivedAt)
    {
        if (serverDate is not { } date || (date - receivedAt).Duration() < SkewThreshold)
        {
            return TimeSpan.Zero;
        }

        var skew = date - receivedAt;
        var seconds = (long)skew.TotalSeconds;
        if (Math.Abs(seconds - Interlocked.Exchange(ref _loggedSkewSeconds, seconds)) >= SkewThreshold.TotalSeconds)
        {
            LakebaseLog.ClockSkewDetected(logger ?? NullLogger.Instance, _workspace, skew);
        }

        return skew;
    }

    private async Task<(JsonDocument Document, DateTimeOffset? Date)> SendAsync(HttpMethod method, Uri url, string? json, string operation, CancellationToken cancellationToken)
    {
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
                throw DatabricksApiErrors.Unreachable("obtain a workspace token", _target, _workspace, e);
            }

            using var request = new HttpRequestMessage(method, url);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
            if (json is not null)
            {
                request.Content = new StringContent(json, Encoding.UTF8, "application/json");
            }

            HttpResponseMessage response;
            try
            {
                response = await httpClient().SendAsync(request, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpRequestException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                throw DatabricksApiErrors.Unreachable(operation, _target, _workspace, e);
            }

            using (response)
            {
                if (response.StatusCode == HttpStatusCode.Unauthorized && attempt == 1 && tokens.Invalidate(bearer))
                {
                    continue;
                }

                if (!response.IsSuccessStatusCode)
                {
                    throw await DatabricksApiErrors.FromResponseAsync(response, operation, _target, _workspace, timeout.Token).ConfigureAwait(false);
                }

                try
                {
                    await using var stream = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
                    return (await JsonDocument.ParseAsync(stream, cancellationToken: timeout.Token).ConfigureAwait(false), response.Headers.Date);
                }
                catch (JsonException)
                {
                    throw DatabricksApiErrors.InvalidResponse(operation, _target, _workspace, "not JSON");
                }
            }
        }
    }

    private static DateTimeOffset? ReadTime(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
        && DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time
            : null;
}
