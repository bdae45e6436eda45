using System.Text.Json.Nodes;
using Lakebase.Emulator.Branches;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Lakebase.Emulator.Workspace;

/// <summary>
/// <c>POST projects/{p}/branches/{b}/endpoints?endpoint_id=…</c> and <c>DELETE …/endpoints/{e}</c>: a branch's
/// read-write endpoint, served like the emulator's own on a loopback address of its own (see the README, "Branches").
/// </summary>
internal sealed class BranchEndpointResources(LakebaseEmulator emulator, BearerAuthentication authentication, ILogger logger)
{
    private const string ReadWrite = "ENDPOINT_TYPE_READ_WRITE";

    private BranchRegistry Registry => emulator.BranchRegistry;

    public async Task CreateAsync(HttpContext context, string projectId, string branchName)
    {
        if (!await AuthorizeAsync(context, projectId).ConfigureAwait(false))
        {
            return;
        }

        if (Registry.Find(branchName) is not { } branch)
        {
            await FailAsync(context, 404, "RESOURCE_DOES_NOT_EXIST", $"Branch '{branchName}' does not exist.").ConfigureAwait(false);
            return;
        }

        if (ResourceRequests.Id(context, "endpoint_id", "ep-ci", out var idError) is not { } endpointId)
        {
            await FailAsync(context, 400, "INVALID_PARAMETER_VALUE", idError!).ConfigureAwait(false);
            return;
        }

        var body = await ResourceRequests.ReadResourceAsync(context, "endpoint").ConfigureAwait(false);
        var type = body?["spec"] is JsonObject spec ? ResourceRequests.SpecString(spec, "endpoint_type") : null;
        if (type != ReadWrite)
        {
            var message = type is null
                ? $"spec.endpoint_type is required: the body must be an endpoint such as {{\"spec\": {{\"endpoint_type\": \"{ReadWrite}\"}}}}."
                : $"spec.endpoint_type '{type}' is not supported on a branch by the Lakebase emulator: use {ReadWrite} (read-only endpoints exist on the default branch only, with LakebaseEmulatorOptions.ReadReplica).";
            await FailAsync(context, 400, "INVALID_PARAMETER_VALUE", message).ConfigureAwait(false);
            return;
        }

        if (Registry.CreateEndpoint(branch, endpointId, out var refusal, out var existing) is not { } operation)
        {
            var message = refusal == BranchRegistry.EndpointRefusal.NameTaken
                ? $"Endpoint '{branchName}/endpoints/{endpointId}' already exists."
                : $"Branch '{branchName}' already has a read-write endpoint, '{existing}': a branch has at most one.";
            await FailAsync(context, 409, "ALREADY_EXISTS", message).ConfigureAwait(false);
            return;
        }

        await ApiResponses.JsonAsync(context, 200, operation.Describe()).ConfigureAwait(false);
    }

    public async Task DeleteAsync(HttpContext context, string projectId, string name)
    {
        if (!await AuthorizeAsync(context, projectId).ConfigureAwait(false))
        {
            return;
        }

        if (emulator.FindEndpoint(name) is not { } endpoint)
        {
            await FailAsync(context, 404, "RESOURCE_DOES_NOT_EXIST", $"Endpoint '{name}' does not exist.").ConfigureAwait(false);
            return;
        }

        if (Registry.DeleteEndpoint(endpoint) is not { } operation)
        {
            await FailAsync(context, 400, "INVALID_PARAMETER_VALUE", $"Endpoint '{name}' belongs to the emulator's default branch and cannot be deleted; only a branch's endpoints can.").ConfigureAwait(false);
            return;
        }

        await ApiResponses.JsonAsync(context, 200, operation.Describe()).ConfigureAwait(false);
    }

    private async Task<bool> AuthorizeAsync(HttpContext context, string projectId)
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
}
