using System.Text;
using System.Text.Json.Nodes;
using Lakebase.Emulator.Credentials;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Lakebase.Emulator.Workspace;

/// <summary><c>POST /oidc/v1/token</c>: the OAuth client-credentials (machine-to-machine) grant.</summary>
internal sealed class OidcTokenEndpoint(
    PrincipalRegistry principals,
    WorkspaceTokenStore tokens,
    EmulatorCounters counters,
    FaultGate gate,
    TimeSpan tokenLifetime,
    ILogger logger)
{
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

        if (form["grant_type"].ToString() != "client_credentials")
        {
            await ApiResponses.OAuthErrorAsync(context, 400, "unsupported_grant_type", "Only grant_type=client_credentials is supported.").ConfigureAwait(false);
            return;
        }

        var (clientId, clientSecret) = ReadClientCredentials(context.Request, form);
        var principal = clientId is null ? null : principals.Find(clientId);
        if (principal?.ClientSecret is not { } expected || clientSecret is null || !PrincipalRegistry.FixedTimeEquals(expected, clientSecret))
        {
            await ApiResponses.OAuthErrorAsync(context, 401, "invalid_client", "Client authentication failed").ConfigureAwait(false);
            return;
        }

        var (token, _) = tokens.Issue(principal, tokenLifetime);
        counters.WorkspaceTokenIssued();
        Log.WorkspaceTokenIssued(logger, principal.ClientId);
        var scope = form["scope"].ToString();
        await ApiResponses.JsonAsync(context, 200, new JsonObject
        {
            ["access_token"] = token,
            ["token_type"] = "Bearer",
            ["expires_in"] = (long)tokenLifetime.TotalSeconds,
            ["scope"] = string.IsNullOrEmpty(scope) ? "all-apis" : scope,
        }).ConfigureAwait(false);
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
