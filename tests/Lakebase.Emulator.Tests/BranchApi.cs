using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Lakebase.TestUtilities;

namespace Lakebase.Emulator.Tests;

/// <summary>The branch API calls a client makes, by hand over HTTP with a workspace token, as the Databricks SDKs shape them.</summary>
public sealed class BranchApi(HttpClient http, LakebaseEmulator emulator, string workspaceToken)
{
    private static readonly TimeSpan OperationBound = TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public string WorkspaceToken => workspaceToken;

    public async Task<(HttpStatusCode Status, JsonObject Body)> SendAsync(HttpMethod method, string path, string? body = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(emulator.WorkspaceUrl, "api/2.0/postgres/" + path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", workspaceToken);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        using var response = await http.SendAsync(request, Ct);
        return (response.StatusCode, await Client.ReadJsonAsync(response));
    }

    /// <summary>POSTs a branch (the SDK sends the bare branch object) and returns the operation it answers.</summary>
    public async Task<JsonObject> StartCreateBranchAsync(string branchId, JsonObject? spec = null)
    {
        spec ??= new JsonObject { ["source_branch"] = emulator.DefaultBranchName, ["ttl"] = "3600s" };
        var (status, operation) = await SendAsync(HttpMethod.Post, $"{emulator.ProjectName}/branches?branch_id={branchId}", new JsonObject { ["spec"] = spec }.ToJsonString());
        Assert.True(status == HttpStatusCode.OK, $"create branch answered {(int)status}: {operation.ToJsonString()}");
        return operation;
    }

    /// <summary>Polls <c>GET /api/2.0/postgres/{operation name}</c> until <c>done</c>, as the SDKs' Wait does.</summary>
    public async Task<JsonObject> WaitAsync(JsonObject operation)
    {
        var name = operation["name"]!.GetValue<string>();
        JsonObject current = operation;
        await Poll.UntilSucceedsAsync(async () =>
        {
            var (status, body) = await SendAsync(HttpMethod.Get, name);
            Assert.Equal(HttpStatusCode.OK, status);
            current = body;
            Assert.True(body["done"]?.GetValue<bool>() == true, "operation still running");
            return body;
        }, OperationBound, Ct);
        return current;
    }

    /// <summary>Creates a branch and its read-write endpoint, waiting for both operations; returns the endpoint's name.</summary>
    public async Task<string> CreateBranchWithEndpointAsync(string branchId, JsonObject? spec = null)
    {
        var created = await WaitAsync(await StartCreateBranchAsync(branchId, spec));
        Assert.True(created["error"] is null, created.ToJsonString());
        var endpoint = await WaitAsync(await StartCreateEndpointAsync($"{emulator.ProjectName}/branches/{branchId}", "ep-" + branchId));
        Assert.True(endpoint["error"] is null, endpoint.ToJsonString());
        return endpoint["response"]!["name"]!.GetValue<string>();
    }

    public async Task<JsonObject> StartCreateEndpointAsync(string branchName, string endpointId)
    {
        var (status, operation) = await SendAsync(HttpMethod.Post, $"{branchName}/endpoints?endpoint_id={endpointId}",
            new JsonObject { ["spec"] = new JsonObject { ["endpoint_type"] = "ENDPOINT_TYPE_READ_WRITE" } }.ToJsonString());
        Assert.True(status == HttpStatusCode.OK, $"create endpoint answered {(int)status}: {operation.ToJsonString()}");
        return operation;
    }

    public async Task<JsonObject> DeleteBranchAsync(string branchName)
    {
        var (status, operation) = await SendAsync(HttpMethod.Delete, $"{branchName}?purge=true");
        Assert.True(status == HttpStatusCode.OK, $"delete branch answered {(int)status}: {operation.ToJsonString()}");
        return await WaitAsync(operation);
    }

    /// <summary>The endpoint's host as the plugin finds it: <c>status.hosts.host</c> of <c>GET /api/2.0/postgres/{endpoint}</c>.</summary>
    public async Task<string> HostOfAsync(string endpointName)
    {
        var (status, endpoint) = await SendAsync(HttpMethod.Get, endpointName);
        Assert.Equal(HttpStatusCode.OK, status);
        return endpoint["status"]!["hosts"]!["host"]!.GetValue<string>();
    }

    /// <summary>A database token from <c>POST /api/2.0/postgres/credentials</c> for <paramref name="endpointName"/>.</summary>
    public async Task<string> CredentialForAsync(string endpointName)
    {
        using var response = await Client.RequestCredentialAsync(http, emulator, workspaceToken, endpointName);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await Client.ReadJsonAsync(response))["token"]!.GetValue<string>();
    }
}
