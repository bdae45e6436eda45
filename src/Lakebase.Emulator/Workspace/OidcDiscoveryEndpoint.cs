using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Lakebase.Emulator.Workspace;

/// <summary>
/// <c>GET /oidc/.well-known/oauth-authorization-server</c> (RFC 8414): the Databricks SDKs read
/// <c>token_endpoint</c> (and require <c>authorization_endpoint</c> to be present) before any OAuth grant instead
/// of assuming <c>/oidc/v1/token</c>. Not subject to injected faults, so fault counts stay per token request.
/// </summary>
internal static class OidcDiscoveryEndpoint
{
    public const string Path = "/oidc/.well-known/oauth-authorization-server";

    public static Task HandleAsync(HttpContext context, Uri workspaceUrl)
    {
        var root = workspaceUrl.ToString().TrimEnd('/');
        return ApiResponses.JsonAsync(context, 200, new JsonObject
        {
            ["issuer"] = $"{root}/oidc",
            // Advertised because clients require the field; the browser (U2M) flow itself is not emulated.
            ["authorization_endpoint"] = $"{root}/oidc/v1/authorize",
            ["token_endpoint"] = $"{root}/oidc/v1/token",
            ["grant_types_supported"] = new JsonArray("client_credentials", OidcTokenEndpoint.TokenExchangeGrant),
            ["token_endpoint_auth_methods_supported"] = new JsonArray("client_secret_basic", "client_secret_post", "none"),
            ["scopes_supported"] = new JsonArray("all-apis"),
            ["response_types_supported"] = new JsonArray("code"),
        });
    }
}
