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
using Lakebase.Npgsql.Http;

namespace Lakebase.Npgsql.Credentials;

/// <summary>
/// The workspace REST calls a data source needs: generate a database credential for an Autoscaling endpoint
/// (<c>POST /api/2.0/postgres/credentials</c>) and read an endpoint's hosts (<c>GET /api/2.0/postgres/{name}</c>).
/// One call is one attempt: retrying is the cache's decision. Expiry times are converted to this machine's clock using
/// the skew estimated from each answer's HTTP <c>Date</c> header.
/// </summary>
internal sealed class DatabaseCredentialClient(Func<HttpClient> httpClient, Uri workspaceUrl, IWorkspaceTokenSource tokens, LakebaseEndpointName endpoint, TimeProvider timeProvider, ILogger? logger = null)
{
    // The Date header has whole-second resolution and the answer spends a round trip in flight: smaller differences
    // are noise (and the expiry safety margin absorbs them).
    private static readonly TimeSpan SkewThreshold = TimeSpan.FromSeconds(5);

    private long _loggedSkewSeconds;

    // Correcting by more than this is more likely to follow a wrong Date header than to fix a wrong clock.
    private static readonly TimeSpan MaxCorrectableSkew = TimeSpan.FromMinutes(90);

    // Database tokens live 60 minutes at most (a requested ttl is 300-3600 s): assumed when clocks disagree and no Date
    // header lets us correct for it, and never exceeded whatever expire_time says.
    private static readonly TimeSpan DocumentedTokenLifetime = TimeSpan.FromMinutes(60);

    private readonly WorkspaceApi _api = new(httpClient, workspaceUrl, tokens);
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
        var (skew, dateIgnored) = EstimateSkew(serverDate, issuedAt);
        var expireTime = ReadTime(root, "expire_time") ?? ReadTime(root, "expiration_time")
            ?? throw DatabricksApiErrors.InvalidResponse(operation, _target, _workspace, "no expire_time (RFC 3339) beside the token");
        var expiresAt = expireTime - skew;
        if (expiresAt <= issuedAt)
        {
            if (dateIgnored)
            {
                // The Date header was too far off to correct by, and on our clock the credential is already expired:
                // serving it would only fail the login. Which clock is wrong is for a person to check.
                throw DatabricksApiErrors.InvalidResponse(operation, _target, _workspace,
                    $"the credential expires at {expireTime:O}, before this machine's time {issuedAt:O}, and the answer's Date header is too far from this machine's clock to correct by; check the time synchronisation (NTP) of this machine");
            }

            // The workspace just issued the token, so an expiry in the past means clocks we could not correct for
            // (no Date header): trust the documented lifetime rather than treat it as expired and ask again at once.
            expiresAt = issuedAt + DocumentedTokenLifetime;
        }

        // Never believed for longer than a token lives, whatever expire_time says: a machine whose clock is behind the
        // workspace's, with no Date header to correct by, would otherwise serve a dead token after the hour.
        if (expiresAt - issuedAt > DocumentedTokenLifetime)
        {
            expiresAt = issuedAt + DocumentedTokenLifetime;
        }

        return new DatabaseCredential(token, issuedAt, expiresAt);
    }

    /// <summary>
    /// An endpoint's hosts, type and state (<c>GET /api/2.0/postgres/{name}</c>), parsed leniently: the fields sit under
    /// <c>status</c> (and the type also under <c>spec</c>) in the SDK models, and fields may be added at any time.
    /// </summary>
    public async Task<EndpointDetails> GetEndpointAsync(LakebaseEndpointName name, CancellationToken cancellationToken)
    {
        var operation = name.Name == endpoint.Name ? "look up the endpoint's host" : $"look up the host of read-only endpoint {name.Name}";
        var url = name.Name == endpoint.Name ? _endpointUrl : new Uri(workspaceUrl, "api/2.0/postgres/" + name.Name);
        using var document = (await SendAsync(HttpMethod.Get, url, null, operation, cancellationToken).ConfigureAwait(false)).Document;
        var root = document.RootElement;
        var status = JsonFields.Child(root, "status");
        var hosts = JsonFields.Child(status, "hosts");
        var details = new EndpointDetails(
            Text(hosts, "host"),
            Text(hosts, "read_only_host"),
            Text(status, "endpoint_type") ?? Text(JsonFields.Child(root, "spec"), "endpoint_type") ?? Text(root, "endpoint_type"),
            Text(status, "current_state"));
        return details.Host is null
            ? throw DatabricksApiErrors.InvalidResponse(operation, _target, _workspace, "no status.hosts.host; set the host explicitly with Host(...) or PGHOST")
            : details;
    }

    // A blank host or state is as good as none.
    private static string? Text(JsonElement element, string name) =>
        JsonFields.Text(element, name) is { } text && !string.IsNullOrWhiteSpace(text) ? text : null;

    /// <summary>
    /// The workspace's clock minus this machine's, from the answer's Date header: zero within the header's precision,
    /// and zero (ignored) past <see cref="MaxCorrectableSkew"/>, where the header is more likely wrong (a cache, a proxy)
    /// than the clock, and correcting by it could make an expired credential look valid.
    /// </summary>
    private (TimeSpan Skew, bool Ignored) EstimateSkew(DateTimeOffset? serverDate, DateTimeOffset receivedAt)
    {
        if (serverDate is not { } date || (date - receivedAt).Duration() < SkewThreshold)
        {
            return (TimeSpan.Zero, false);
        }

        var skew = date - receivedAt;
        var seconds = (long)skew.TotalSeconds;
        var changed = Math.Abs(seconds - Interlocked.Exchange(ref _loggedSkewSeconds, seconds)) >= SkewThreshold.TotalSeconds;
        if (skew.Duration() > MaxCorrectableSkew)
        {
            if (changed)
            {
                LakebaseLog.ClockSkewIgnored(logger ?? NullLogger.Instance, _workspace, skew, MaxCorrectableSkew);
            }

            return (TimeSpan.Zero, true);
        }

        if (changed)
        {
            LakebaseLog.ClockSkewDetected(logger ?? NullLogger.Instance, _workspace, skew);
        }

        return (skew, false);
    }

    private Task<(JsonDocument Document, DateTimeOffset? Date)> SendAsync(HttpMethod method, Uri url, string? json, string operation, CancellationToken cancellationToken) =>
        _api.SendAsync(method, url.PathAndQuery.TrimStart('/'), json, operation, _target, cancellationToken);

    private static DateTimeOffset? ReadTime(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
        && DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time
            : null;
}
