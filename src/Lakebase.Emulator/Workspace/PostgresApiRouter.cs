using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace Lakebase.Emulator.Workspace;

/// <summary>
/// Everything under <c>/api/2.0/postgres/{name}</c> other than credentials, dispatched on the resource name as the
/// Databricks SDKs build paths: projects, branches, endpoints and operations, each with the verbs the emulator serves.
/// </summary>
internal sealed partial class PostgresApiRouter(EndpointResources endpoints, BranchResources branches, BranchEndpointResources branchEndpoints)
{
    public Task GetAsync(HttpContext context)
    {
        var name = Name(context);
        if (Operation().IsMatch(name))
        {
            return branches.GetOperationAsync(context, name);
        }

        if (name == "projects")
        {
            return branches.ListProjectsAsync(context);
        }

        if (Project().Match(name) is { Success: true } project)
        {
            return branches.GetProjectAsync(context, project.Groups["project"].Value);
        }

        if (Branches().Match(name) is { Success: true } list)
        {
            return branches.ListBranchesAsync(context, list.Groups["project"].Value);
        }

        if (Branch().Match(name) is { Success: true } branch)
        {
            return branches.GetBranchAsync(context, branch.Groups["project"].Value, name);
        }

        return endpoints.GetAsync(context, name);
    }

    public Task PostAsync(HttpContext context)
    {
        var name = Name(context);
        if (Branches().Match(name) is { Success: true } list)
        {
            return branches.CreateBranchAsync(context, list.Groups["project"].Value);
        }

        if (BranchEndpoints().Match(name) is { Success: true } branch)
        {
            return branchEndpoints.CreateAsync(context, branch.Groups["project"].Value, branch.Groups["branch"].Value);
        }

        return NotFoundAsync(context);
    }

    public Task DeleteAsync(HttpContext context)
    {
        var name = Name(context);
        if (Branch().Match(name) is { Success: true } branch)
        {
            return branches.DeleteBranchAsync(context, branch.Groups["project"].Value, name);
        }

        if (Endpoint().Match(name) is { Success: true } endpoint)
        {
            return branchEndpoints.DeleteAsync(context, endpoint.Groups["project"].Value, name);
        }

        return NotFoundAsync(context);
    }

    private static string Name(HttpContext context) => (string)context.Request.RouteValues["name"]!;

    private static Task NotFoundAsync(HttpContext context) =>
        ApiResponses.ErrorAsync(context, 404, "ENDPOINT_NOT_FOUND", $"No API found for '{context.Request.Method} {context.Request.Path}'");

    [GeneratedRegex("^projects/(?<project>[^/]+)$", RegexOptions.CultureInvariant)]
    private static partial Regex Project();

    [GeneratedRegex("^projects/(?<project>[^/]+)/branches/?$", RegexOptions.CultureInvariant)]
    private static partial Regex Branches();

    [GeneratedRegex("^projects/(?<project>[^/]+)/branches/[^/]+$", RegexOptions.CultureInvariant)]
    private static partial Regex Branch();

    [GeneratedRegex("^(?<branch>projects/(?<project>[^/]+)/branches/[^/]+)/endpoints/?$", RegexOptions.CultureInvariant)]
    private static partial Regex BranchEndpoints();

    [GeneratedRegex("^projects/(?<project>[^/]+)/branches/[^/]+/endpoints/[^/]+$", RegexOptions.CultureInvariant)]
    private static partial Regex Endpoint();

    [GeneratedRegex("^projects/[^/]+(/[^/]+/[^/]+)*/operations/[^/]+$", RegexOptions.CultureInvariant)]
    private static partial Regex Operation();
}
