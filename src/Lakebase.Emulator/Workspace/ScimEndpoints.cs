using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Lakebase.Emulator.Workspace;

/// <summary>
/// <c>GET /api/2.0/preview/scim/v2/Me</c>: who a bearer token belongs to. Databricks' Node driver reads
/// <c>userName</c> as the PostgreSQL user of a human signed in with a PAT: an e-mail for a user, the application
/// (client) id for a service principal. Both are the principal's <see cref="EmulatedPrincipal.ClientId"/> here.
/// </summary>
internal sealed class ScimEndpoints(BearerAuthentication authentication)
{
    public async Task MeAsync(HttpContext context)
    {
        if (await authentication.AuthenticateAsync(context).ConfigureAwait(false) is not { } principal)
        {
            return;
        }

        var user = principal.RoleKind == "USER";
        var body = new JsonObject
        {
            ["schemas"] = new JsonArray("urn:ietf:params:scim:schemas:core:2.0:User"),
            ["id"] = StableId(principal.ClientId),
            ["userName"] = principal.ClientId,
            ["displayName"] = user ? principal.ClientId : $"Service principal {principal.ClientId}",
            ["active"] = true,
        };
        if (user)
        {
            body["emails"] = new JsonArray(new JsonObject { ["value"] = principal.ClientId, ["type"] = "work", ["primary"] = true });
        }

        await ApiResponses.JsonAsync(context, 200, body).ConfigureAwait(false);
    }

    /// <summary>A numeric id like Databricks' (16 digits), the same for a principal in every run.</summary>
    private static string StableId(string clientId)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(clientId));
        var value = BinaryPrimitives.ReadUInt64BigEndian(hash) % 9_000_000_000_000_000UL;
        return (1_000_000_000_000_000UL + value).ToString(CultureInfo.InvariantCulture);
    }
}
