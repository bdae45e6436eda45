using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Lakebase.Emulator.Workspace;

/// <summary>
/// <c>/emulator/branches</c> and <c>/emulator/branch-settings/{branch}</c>: what <c>lakebase-emulator branch-settings</c>
/// prints, for scripts and people. Behind the local-only guard of every <c>/emulator/*</c> route, and without
/// secrets: a client still gets its tokens through the workspace API.
/// </summary>
internal sealed class BranchAdminEndpoints(LakebaseEmulator emulator)
{
    // The settings of a client; the client's own secret is left out (the admin API is unauthenticated).
    private static readonly string[] SecretVariables = ["DATABRICKS_CLIENT_SECRET", "DATABRICKS_TOKEN"];

    public void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/emulator/branches", ListAsync);
        app.MapGet("/emulator/branch-settings/{**branch}", SettingsAsync);
    }

    private Task ListAsync(HttpContext context) =>
        ApiResponses.JsonAsync(context, 200, new JsonObject
        {
            ["branches"] = new JsonArray(emulator.Branches.Select(b => (JsonNode)new JsonObject
            {
                ["name"] = b.Name,
                ["current_state"] = b.State,
                ["default"] = b.IsDefault,
                ["source_branch"] = b.SourceBranch,
                ["expire_time"] = b.ExpireTime is { } at ? ApiResponses.Rfc3339(at) : null,
                ["endpoints"] = new JsonArray(b.EndpointNames.Select(e => (JsonNode)e).ToArray()),
            }).ToArray()),
        });

    /// <summary>The branch's first endpoint's settings; <c>{branch}</c> is a branch id (<c>ci-1234</c>) or name.</summary>
    private Task SettingsAsync(HttpContext context)
    {
        var requested = (string)context.Request.RouteValues["branch"]!;
        var name = requested.Contains('/', StringComparison.Ordinal) ? requested : $"{emulator.ProjectName}/branches/{requested}";
        if (emulator.Branches.FirstOrDefault(b => b.Name == name) is not { } branch)
        {
            return ApiResponses.ErrorAsync(context, 404, "RESOURCE_DOES_NOT_EXIST",
                $"Branch '{name}' does not exist. Branches: {string.Join(", ", emulator.Branches.Select(b => b.Name))}.");
        }

        if (branch.EndpointNames.Count == 0)
        {
            return ApiResponses.ErrorAsync(context, 404, "RESOURCE_DOES_NOT_EXIST",
                $"Branch '{name}' has no endpoint yet: create one with POST /api/2.0/postgres/{name}/endpoints?endpoint_id=… and body {{\"spec\": {{\"endpoint_type\": \"ENDPOINT_TYPE_READ_WRITE\"}}}}, and wait for its operation.");
        }

        var endpoint = branch.EndpointNames[0];
        var environment = new JsonObject();
        foreach (var (variable, value) in emulator.GetEndpointEnvironmentVariables(endpoint).Where(v => !SecretVariables.Contains(v.Key)))
        {
            environment[variable] = value;
        }

        var host = environment["PGHOST"]!.GetValue<string>();
        return ApiResponses.JsonAsync(context, 200, new JsonObject
        {
            ["branch"] = branch.Name,
            ["current_state"] = branch.State,
            ["endpoint"] = endpoint,
            ["host"] = host,
            ["port"] = emulator.Port,
            ["database"] = emulator.Database,
            ["ca_file"] = emulator.CaCertificatePath,
            ["environment"] = environment,
            ["psql"] = ClientSettings.PsqlConnectionInfo(emulator, emulator.DefaultPrincipal, null, host),
            ["connection_string"] = emulator.GetEndpointConnectionString(endpoint),
            ["expire_time"] = branch.ExpireTime is { } at ? at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) : null,
        });
    }
}
