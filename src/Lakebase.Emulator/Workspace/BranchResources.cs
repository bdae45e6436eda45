using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Lakebase.Emulator.Branches;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Lakebase.Emulator.Workspace;

/// <summary>
/// The project, its branches and the operations of the branch API, in the shapes of the Databricks SDKs'
/// <c>service/postgres</c>: <c>Project</c>, <c>Branch</c>, <c>ListBranchesResponse</c>, <c>Operation</c>.
/// </summary>
internal sealed partial class BranchResources(LakebaseEmulator emulator, BearerAuthentication authentication, ILogger logger)
{
    private readonly DateTimeOffset _projectCreated = emulator.TimeProvider.GetUtcNow();

    private BranchRegistry Registry => emulator.BranchRegistry;

    public async Task ListProjectsAsync(HttpContext context)
    {
        if (await authentication.AuthenticateAsync(context).ConfigureAwait(false) is not null)
        {
            await ApiResponses.JsonAsync(context, 200, new JsonObject { ["projects"] = new JsonArray(Project()) }).ConfigureAwait(false);
        }
    }

    public async Task GetProjectAsync(HttpContext context, string projectId)
    {
        if (await AuthorizeProjectAsync(context, projectId).ConfigureAwait(false))
        {
            await ApiResponses.JsonAsync(context, 200, Project()).ConfigureAwait(false);
        }
    }

    public async Task ListBranchesAsync(HttpContext context, string projectId)
    {
        if (!await AuthorizeProjectAsync(context, projectId).ConfigureAwait(false))
        {
            return;
        }

        var branches = new JsonArray();
        foreach (var branch in Registry.All)
        {
            branches.Add(await DescribeAsync(branch, context.RequestAborted).ConfigureAwait(false));
        }

        // One page: next_page_token is left out, as the API does on the last page.
        await ApiResponses.JsonAsync(context, 200, new JsonObject { ["branches"] = branches }).ConfigureAwait(false);
    }

    public async Task GetBranchAsync(HttpContext context, string projectId, string name)
    {
        if (!await AuthorizeProjectAsync(context, projectId).ConfigureAwait(false))
        {
            return;
        }

        if (Registry.Find(name) is not { } branch)
        {
            await FailAsync(context, 404, "RESOURCE_DOES_NOT_EXIST", $"Branch '{name}' does not exist.").ConfigureAwait(false);
            return;
        }

        await ApiResponses.JsonAsync(context, 200, await DescribeAsync(branch, context.RequestAborted).ConfigureAwait(false)).ConfigureAwait(false);
    }

    public async Task GetOperationAsync(HttpContext context, string name)
    {
        if (await authentication.AuthenticateAsync(context).ConfigureAwait(false) is null)
        {
            return;
        }

        if (emulator.Faults.Branches.TakeOperationReadFailure() is { } status)
        {
            await InjectedFailureAsync(context, status, $"reading operation '{name}' (EmulatorFaults.Branches.FailNextOperationReads)").ConfigureAwait(false);
            return;
        }

        if (Registry.Operations.Find(name) is not { } operation)
        {
            await FailAsync(context, 404, "RESOURCE_DOES_NOT_EXIST", $"Operation '{name}' does not exist.").ConfigureAwait(false);
            return;
        }

        await ApiResponses.JsonAsync(context, 200, operation.Describe()).ConfigureAwait(false);
    }

    /// <summary><c>POST projects/{p}/branches?branch_id=…</c> with the branch (<c>spec.source_branch</c>, <c>ttl</c> | <c>expire_time</c> | <c>no_expiry</c>).</summary>
    public async Task CreateBranchAsync(HttpContext context, string projectId)
    {
        if (!await AuthorizeProjectAsync(context, projectId).ConfigureAwait(false))
        {
            return;
        }

        if (ResourceRequests.Id(context, "branch_id", "ci-1234", out var idError) is not { } branchId)
        {
            await FailAsync(context, 400, "INVALID_PARAMETER_VALUE", idError!).ConfigureAwait(false);
            return;
        }

        if (await ResourceRequests.ReadResourceAsync(context, "branch").ConfigureAwait(false) is not { } body
            || body["spec"] is not (null or JsonObject))
        {
            await FailAsync(context, 400, "INVALID_PARAMETER_VALUE", "The request body must be a JSON branch object, e.g. {\"spec\": {\"source_branch\": \"" + emulator.DefaultBranchName + "\", \"ttl\": \"3600s\"}}.").ConfigureAwait(false);
            return;
        }

        var spec = body["spec"] as JsonObject ?? [];
        if (spec.ContainsKey("source_branch_time") || spec.ContainsKey("source_branch_lsn"))
        {
            await FailAsync(context, 400, "INVALID_PARAMETER_VALUE",
                "Point-in-time branching (spec.source_branch_time, spec.source_branch_lsn) is not supported by the Lakebase emulator: leave them out to copy the source branch as it is now.").ConfigureAwait(false);
            return;
        }

        var sourceName = ResourceRequests.SpecString(spec, "source_branch") ?? emulator.DefaultBranchName;
        if (!BranchName().IsMatch(sourceName))
        {
            await FailAsync(context, 400, "INVALID_PARAMETER_VALUE", $"Invalid spec.source_branch '{sourceName}': expected projects/{{project_id}}/branches/{{branch_id}}, e.g. '{emulator.DefaultBranchName}'.").ConfigureAwait(false);
            return;
        }

        if (Registry.Find(sourceName) is not { } source)
        {
            await FailAsync(context, 404, "RESOURCE_DOES_NOT_EXIST",
                $"Source branch '{sourceName}' (spec.source_branch) does not exist. Branches of {emulator.ProjectName}: {string.Join(", ", Registry.All.Select(b => b.Name))}.").ConfigureAwait(false);
            return;
        }

        if (!BranchExpiry.TryParse(spec, emulator.TimeProvider.GetUtcNow(), out var expiry, out var expiryError))
        {
            await FailAsync(context, 400, "INVALID_PARAMETER_VALUE", expiryError!).ConfigureAwait(false);
            return;
        }

        var name = $"{emulator.ProjectName}/branches/{branchId}";
        if (Registry.CreateBranch(name, source, expiry) is not { } operation)
        {
            await FailAsync(context, 409, "ALREADY_EXISTS", $"Branch '{name}' already exists: choose another branch_id, or delete it first.").ConfigureAwait(false);
            return;
        }

        await ApiResponses.JsonAsync(context, 200, operation.Describe()).ConfigureAwait(false);
    }

    /// <summary><c>DELETE projects/{p}/branches/{b}</c> (<c>?purge=</c> accepted: a deleted branch is always gone for good here).</summary>
    public async Task DeleteBranchAsync(HttpContext context, string projectId, string name)
    {
        if (!await AuthorizeProjectAsync(context, projectId).ConfigureAwait(false))
        {
            return;
        }

        if (emulator.Faults.Branches.TakeBranchDeleteFailure() is { } status)
        {
            await InjectedFailureAsync(context, status, $"deleting branch '{name}' (EmulatorFaults.Branches.FailNextBranchDeletes)").ConfigureAwait(false);
            return;
        }

        if (Registry.Find(name) is not { } branch)
        {
            await FailAsync(context, 404, "RESOURCE_DOES_NOT_EXIST", $"Branch '{name}' does not exist.").ConfigureAwait(false);
            return;
        }

        if (branch.IsDefault || Registry.DeleteBranch(branch, "deleted through the API") is not { } operation)
        {
            var message = branch.IsDefault
                ? $"Branch '{name}' is the project's default branch and cannot be deleted."
                : $"Branch '{name}' does not exist.";
            await FailAsync(context, branch.IsDefault ? 400 : 404, branch.IsDefault ? "INVALID_PARAMETER_VALUE" : "RESOURCE_DOES_NOT_EXIST", message).ConfigureAwait(false);
            return;
        }

        await ApiResponses.JsonAsync(context, 200, operation.Describe()).ConfigureAwait(false);
    }

    private async Task<JsonObject> DescribeAsync(BranchRecord branch, CancellationToken cancellationToken) =>
        BranchJson.Describe(Registry.Snapshot(branch), await Registry.LogicalSizeAsync(branch, cancellationToken).ConfigureAwait(false), branch.Expiry);

    private JsonObject Project() => BranchJson.Project(emulator.ProjectName, emulator.DefaultBranchName, emulator.PostgresMajorVersion, _projectCreated);

    /// <summary>Authenticates the caller and checks the project is the emulator's one; answers the error otherwise.</summary>
    private async Task<bool> AuthorizeProjectAsync(HttpContext context, string projectId)
    {
        if (await authentication.AuthenticateAsync(context).ConfigureAwait(false) is null)
        {
            return false;
        }

        if ($"projects/{projectId}" != emulator.ProjectName)
        {
            await FailAsync(context, 404, "RESOURCE_DOES_NOT_EXIST", $"Project 'projects/{projectId}' does not exist: the emulator has one project, '{emulator.ProjectName}'.").ConfigureAwait(false);
            return false;
        }

        return true;
    }

    private Task FailAsync(HttpContext context, int status, string code, string message) => ResourceRequests.FailAsync(context, logger, status, code, message);

    // An injected 429 (Retry-After: 1, counted as the credential API's are) or 503.
    private Task InjectedFailureAsync(HttpContext context, int status, string what)
    {
        if (status == 429)
        {
            emulator.Counters.TooManyRequestsServed();
        }

        return ApiResponses.ErrorAsync(context, status, ApiResponses.ErrorCodeFor(status), $"Injected failure ({status}) {what}.", status == 429 ? TimeSpan.FromSeconds(1) : null);
    }

    [GeneratedRegex("^projects/[^/]+/branches/[^/]+$", RegexOptions.CultureInvariant)]
    private static partial Regex BranchName();
}
