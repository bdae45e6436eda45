using System.Text;
using System.Text.Json.Nodes;
using Lakebase.Emulator.Credentials;
using Lakebase.Emulator.Federation;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Lakebase.Emulator.Workspace;

/// <summary>
/// <c>POST /oidc/v1/token</c>: the OAuth client-credentials grant (machine-to-machine; client id and secret in HTTP
/// Basic auth or in the form, as RFC 6749 allows both) and the RFC 8693 token exchange of workload identity federation.
/// </summary>
internal sealed class OidcTokenEndpoint(
    PrincipalRegistry principals,
    WorkspaceTokenStore tokens,
    OidcFederation federation,
    EmulatorCounters counters,
    EmulatorFaults faults,
    FaultGate gate,
    TimeSpan tokenLifetime,
    ILogger logger)
{
    public const string TokenExchangeGrant = "urn:ietf:params:oauth:grant-type:token-exchange";
    public const string JwtTokenType = "urn:ietf:params:oauth:token-type:jwt";

    public async Task HandleAsync(HttpContext context)
    {
        if (!await gate.PassAsync(context, oauthShape: true).ConfigureAwait(false))
        {
            return;
        }

        if (!context.Request.HasFormContentType)
        {
            await ApiResponses.OAuthErrorAsync(context, 400, "invalid_request", "Expected an application/x-www-form-urlencoded body.").ConfigureAwait(false);
            return;
        }

        IFormCollection form;
        try
        {
            form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or BadHttpRequestException)
        {
            await ApiResponses.OAuthErrorAsync(context, 400, "invalid_request", "Malformed form body.").ConfigureAwait(false);
            return;
        }

        switch (form["grant_type"].ToString())
        {
            case "client_credentials":
                await ClientCredentialsAsync(context, form).ConfigureAwait(false);
                break;
            case TokenExchangeGrant:
                await TokenExchangeAsync(context, form).ConfigureAwait(false);
                break;
            default:
                await ApiResponses.OAuthErrorAsync(context, 400, "unsupported_grant_type",
                    $"Only grant_type=client_credentials and grant_type={TokenExchangeGrant} are supported.").ConfigureAwait(false);
                break;
        }
    }

    private async Task ClientCredentialsAsync(HttpContext context, IFormCollection form)
    {
        var (clientId, clientSecret) = ReadClientCredentials(context.Request, form);
        var principal = clientId is null ? null : principals.Find(clientId);
        if (principal?.ClientSecret is not { } expected || clientSecret is null || !PrincipalRegistry.FixedTimeEquals(expected, clientSecret))
        {
            await ApiResponses.OAuthErrorAsync(context, 401, "invalid_client", "Client authentication failed").ConfigureAwait(false);
            return;
        }

        await IssueAsync(context, form, principal, tokenExchange: false).ConfigureAwait(false);
    }

    /// <summary>
    /// RFC 8693 as the Databricks SDKs send it: <c>subject_token</c> (an OIDC ID token), <c>subject_token_type</c>
    /// = JWT, <c>scope</c>, and <c>client_id</c> (the service principal whose federation policy applies) unless
    /// account-wide federation is meant. No client secret.
    /// </summary>
    private async Task TokenExchangeAsync(HttpContext context, IFormCollection form)
    {
        if (form["subject_token_type"].ToString() != JwtTokenType)
        {
            await ApiResponses.OAuthErrorAsync(context, 400, "invalid_request", $"subject_token_type must be {JwtTokenType}.").ConfigureAwait(false);
            return;
        }

        if (form["subject_token"].ToString() is not { Length: > 0 } subjectToken)
        {
            await ApiResponses.OAuthErrorAsync(context, 400, "invalid_request", "subject_token is required.").ConfigureAwait(false);
            return;
        }

        var result = federation.Validate(subjectToken);
        var clientId = form["client_id"].ToString();
        var error = result.Error
            ?? (principals.Find(result.Principal!.ClientId) is null ? $"principal '{result.Principal.ClientId}' is not registered in the workspace" : null)
            ?? (clientId.Length > 0 && clientId != result.Principal.ClientId ? $"the federation policy of client '{clientId}' does not allow this subject" : null);
        if (error is not null)
        {
            Log.TokenExchangeRefused(logger, error);
            await ApiResponses.OAuthErrorAsync(context, 400, "invalid_request", $"Token exchange failed: {error}.").ConfigureAwait(false);
            return;
        }

        await IssueAsync(context, form, principals.Find(result.Principal!.ClientId)!, tokenExchange: true).ConfigureAwait(false);
    }

    private Task IssueAsync(HttpContext context, IFormCollection form, EmulatedPrincipal principal, bool tokenExchange)
    {
        JsonObject Issue(TimeSpan? lifetimeOverride)
        {
            var lifetime = lifetimeOverride ?? tokenLifetime;
            var (token, _) = tokens.Issue(principal, lifetime);
            counters.WorkspaceTokenIssued();
            Log.WorkspaceTokenIssued(logger, principal.ClientId);
            var scope = form["scope"].ToString();
            var body = new JsonObject
            {
                ["access_token"] = token,
                ["token_type"] = "Bearer",
                ["expires_in"] = (long)lifetime.TotalSeconds,
                ["scope"] = string.IsNullOrEmpty(scope) ? "all-apis" : scope,
            };
            if (tokenExchange)
            {
                body["issued_token_type"] = "urn:ietf:params:oauth:token-type:access_token";
            }

            return body;
        }

        return faults.TakeMalformedAnswer(MalformedAnswerTarget.TokenEndpoint) is { } malformed
            ? MalformedAnswerWriter.WriteAsync(context, malformed, TokenAnswerShape.OAuth, Issue)
            : ApiResponses.JsonAsync(context, 200, Issue(null));
    }

    private static (string? ClientId, string? ClientSecret) ReadClientCredentials(HttpRequest request, IFormCollection form)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..].Trim()));
                var colon = decoded.IndexOf(':', StringComparison.Ordinal);
                return colon < 0 ? (null, null) : (Uri.UnescapeDataString(decoded[..colon]), Uri.UnescapeDataString(decoded[(colon + 1)..]));
            }
            catch (FormatException)
            {
                return (null, null);
            }
        }

        // RFC 6749 also allows the credentials in the form body.
        return (form["client_id"].FirstOrDefault(), form["client_secret"].FirstOrDefault());
    }
}
