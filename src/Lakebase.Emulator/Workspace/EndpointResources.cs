using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Lakebase.Emulator.Endpoints;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Lakebase.Emulator.Workspace;

/// <summary>
/// <c>GET /api/2.0/postgres/{endpoint name}</c> and <c>GET /api/2.0/postgres/projects/{p}/branches/{b}/endpoints</c>,
/// in the shape of the Databricks SDKs' <c>postgres.Endpoint</c> and <c>ListEndpointsResponse</c>. The read-write
/// endpoint advertises the hot standby as its readable secondary (<c>status.hosts.read_only_host</c>); the same
/// standby is also the branch's read-only endpoint, with its own <c>status.hosts.host</c>.
/// </summary>
internal sealed partial class EndpointResources(LakebaseEmulator emulator, BearerAuthentication authentication, ILogger logger)
{
    public async Task GetAsync(HttpContext context, string name)
    {
        if (await authentication.AuthenticateAsync(context).ConfigureAwait(false) is null)
        {
            return;
        }

        if (BranchEndpoints().Match(name) is { Success: true } list)
        {
            await ListAsync(context, list.Groups["branch"].Value).ConfigureAwait(false);
            return;
        }

        if (!EndpointNames.IsWellFormed(name))
        {
            await FailAsync(context, 400, "INVALID_PARAMETER_VALUE", $"Invalid endpoint name '{name}': expected {EndpointNames.Expected}.").ConfigureAwait(false);
            return;
        }

        if (emulator.FindEndpoint(name) is not { } endpoint)
        {
            await FailAsync(context, 404, "RESOURCE_DOES_NOT_EXIST", $"Endpoint '{name}' does not exist.").ConfigureAwait(false);
            return;
        }

        await ApiResponses.JsonAsync(context, 200, Describe(emulator, endpoint)).ConfigureAwait(false);
    }

    private async Task ListAsync(HttpContext context, string branch)
    {
        if (emulator.BranchRegistry.Find(branch) is not { } record)
        {
            await FailAsync(context, 404, "RESOURCE_DOES_NOT_EXIST", $"Branch '{branch}' does not exist.").ConfigureAwait(false);
            return;
        }

        // One page: next_page_token is left out, as the API does on the last page.
        await ApiResponses.JsonAsync(context, 200, new JsonObject
        {
            ["endpoints"] = new JsonArray(emulator.BranchRegistry.EndpointsOf(record).Select(e => (JsonNode)Describe(emulator, e)).ToArray()),
        }).ConfigureAwait(false);
    }

    /// <summary>The SDK's <c>postgres.Endpoint</c> for <paramref name="endpoint"/>.</summary>
    public static JsonObject Describe(LakebaseEmulator emulator, EmulatedEndpoint endpoint)
    {
        // Readable secondaries belong to the read-write endpoint's compute group; the emulator's one standby plays them
        // for the default branch only (a branch's copy has no standby).
        var secondary = endpoint.Type == EndpointType.ReadWrite && emulator.ReadReplicaOrNull is { } replica && Parent(replica.Name) == Parent(endpoint.Name)
            ? replica
            : null;
        var hosts = new JsonObject { ["host"] = endpoint.Host };
        if (secondary is not null)
        {
            hosts["read_only_host"] = secondary.Host;
        }

        hosts["port"] = endpoint.Port; // not in the SDK's model (Lakebase is always 5432); the emulator's port is not
        var type = endpoint.Type.ApiName();
        var status = new JsonObject
        {
            ["endpoint_type"] = type,
            ["current_state"] = endpoint.IsStopped || endpoint.Compute.IsSuspended ? "IDLE" : "ACTIVE",
            ["group"] = Group(secondary is not null),
            ["hosts"] = hosts,
            ["port"] = endpoint.Port,
        };
        if (endpoint.IsStopped)
        {
            status["disabled"] = true; // the SDK's "restrict connections to the compute endpoint"
        }

        return new JsonObject
        {
            ["name"] = endpoint.Name,
            ["uid"] = endpoint.Name[(endpoint.Name.LastIndexOf('/') + 1)..],
            ["parent"] = Parent(endpoint.Name),
            ["spec"] = new JsonObject { ["endpoint_type"] = type, ["group"] = Group(secondary is not null) },
            ["status"] = status,
        };
    }

    private static JsonObject Group(bool readableSecondaries) => new()
    {
        ["min"] = 1,
        ["max"] = readableSecondaries ? 2 : 1,
        ["enable_readable_secondaries"] = readableSecondaries,
    };

    internal static string Parent(string endpointName) => endpointName[..endpointName.LastIndexOf("/endpoints/", StringComparison.Ordinal)];

    private Task FailAsync(HttpContext context, int status, string code, string message)
    {
        Log.ApiError(logger, context.Request.Method, context.Request.Path, status, code);
        return ApiResponses.ErrorAsync(context, status, code, message);
    }

    [GeneratedRegex("^(?<branch>projects/[A-Za-z0-9][A-Za-z0-9_.-]*/branches/[A-Za-z0-9][A-Za-z0-9_.-]*)/endpoints/?$", RegexOptions.CultureInvariant)]
    private static partial Regex BranchEndpoints();
}
