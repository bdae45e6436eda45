using System.Net;
using System.Text.Json.Nodes;
using Lakebase.TestUtilities;
using Npgsql;

namespace Lakebase.Emulator.Tests;

/// <summary>The branch API's shapes, its refusals in Databricks' error shape, the settings it prints, and its logs.</summary>
[Collection(BranchCollection.Name)]
public sealed class BranchApiTests(BranchFixture fixture)
{
    private LakebaseEmulator Emulator => fixture.Emulator;

    private BranchApi Api => fixture.Api;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_project_and_its_default_branch_have_the_sdks_shapes()
    {
        var (status, project) = await Api.SendAsync(HttpMethod.Get, "projects/local");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("projects/local", project["name"]!.GetValue<string>());
        Assert.Equal(Emulator.DefaultBranchName, project["status"]!["default_branch"]!.GetValue<string>());
        Assert.Equal(Emulator.PostgresMajorVersion, project["status"]!["pg_version"]!.GetValue<int>());

        var (_, projects) = await Api.SendAsync(HttpMethod.Get, "projects");
        Assert.Equal("projects/local", projects["projects"]!.AsArray().Single()!["name"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NotFound, (await Api.SendAsync(HttpMethod.Get, "projects/other")).Status);

        var (_, branches) = await Api.SendAsync(HttpMethod.Get, "projects/local/branches");
        var main = branches["branches"]!.AsArray()[0]!;
        Assert.Equal("projects/local/branches/main", main["name"]!.GetValue<string>());
        Assert.True(main["status"]!["default"]!.GetValue<bool>());
        Assert.Equal("READY", main["status"]!["current_state"]!.GetValue<string>());
        Assert.True(main["status"]!["logical_size_bytes"]!.GetValue<long>() > 0);
    }

    [Fact]
    public async Task Bad_requests_are_refused_in_databricks_error_shape()
    {
        await AssertRefusedAsync(HttpMethod.Post, "projects/local/branches", "{}", HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE", "branch_id");
        await AssertRefusedAsync(HttpMethod.Post, "projects/local/branches?branch_id=Bad_Id", "{}", HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE", "'Bad_Id'");
        await AssertRefusedAsync(HttpMethod.Post, "projects/local/branches?branch_id=both", """{"spec": {"ttl": "60s", "no_expiry": true}}""", HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE", "mutually exclusive");
        await AssertRefusedAsync(HttpMethod.Post, "projects/local/branches?branch_id=bad-ttl", """{"spec": {"ttl": "an hour"}}""", HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE", "3600s");
        await AssertRefusedAsync(HttpMethod.Post, "projects/local/branches?branch_id=pitr", """{"spec": {"source_branch_lsn": "0/1"}}""", HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE", "Point-in-time");
        await AssertRefusedAsync(HttpMethod.Post, "projects/elsewhere/branches?branch_id=x", "{}", HttpStatusCode.NotFound, "RESOURCE_DOES_NOT_EXIST", "'projects/elsewhere'");
        await AssertRefusedAsync(HttpMethod.Delete, "projects/local/branches/main", null, HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE", "default branch");
        await AssertRefusedAsync(HttpMethod.Delete, "projects/local/branches/never-made", null, HttpStatusCode.NotFound, "RESOURCE_DOES_NOT_EXIST", "'projects/local/branches/never-made'");
        await AssertRefusedAsync(HttpMethod.Get, "projects/local/branches/main/operations/nope", null, HttpStatusCode.NotFound, "RESOURCE_DOES_NOT_EXIST", "Operation");
        await AssertRefusedAsync(HttpMethod.Post, "projects/local/branches/main/endpoints?endpoint_id=ep-second", """{"spec": {"endpoint_type": "ENDPOINT_TYPE_READ_WRITE"}}""", HttpStatusCode.Conflict, "ALREADY_EXISTS", Emulator.EndpointName);
        await AssertRefusedAsync(HttpMethod.Delete, Emulator.EndpointName, null, HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE", "default branch");
    }

    [Fact]
    public async Task A_wrapped_body_and_a_missing_source_copy_the_default_branch_and_a_second_create_conflicts()
    {
        var (status, operation) = await Api.SendAsync(HttpMethod.Post, "projects/local/branches?branch_id=wrapped",
            """{"branch": {"spec": {"no_expiry": true}}}""");
        Assert.Equal(HttpStatusCode.OK, status);
        var done = await Api.WaitAsync(operation);
        Assert.Equal(Emulator.DefaultBranchName, done["response"]!["status"]!["source_branch"]!.GetValue<string>());
        Assert.Null(done["response"]!["status"]!["expire_time"]);

        await AssertRefusedAsync(HttpMethod.Post, "projects/local/branches?branch_id=wrapped", "{}", HttpStatusCode.Conflict, "ALREADY_EXISTS", "'projects/local/branches/wrapped'");
        await AssertRefusedAsync(HttpMethod.Post, "projects/local/branches/wrapped/endpoints?endpoint_id=ep-ro", """{"spec": {"endpoint_type": "ENDPOINT_TYPE_READ_ONLY"}}""", HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE", "ENDPOINT_TYPE_READ_WRITE");

        var endpoint = await Api.WaitAsync(await Api.StartCreateEndpointAsync("projects/local/branches/wrapped", "ep-wrapped"));
        await AssertRefusedAsync(HttpMethod.Post, "projects/local/branches/wrapped/endpoints?endpoint_id=ep-other", """{"spec": {"endpoint_type": "ENDPOINT_TYPE_READ_WRITE"}}""", HttpStatusCode.Conflict, "ALREADY_EXISTS", "ep-wrapped");
        var (_, list) = await Api.SendAsync(HttpMethod.Get, "projects/local/branches/wrapped/endpoints");
        Assert.Equal(endpoint["response"]!["name"]!.GetValue<string>(), list["endpoints"]!.AsArray().Single()!["name"]!.GetValue<string>());
        Assert.Null(list["endpoints"]![0]!["status"]!["hosts"]!["read_only_host"]);

        await Api.DeleteBranchAsync("projects/local/branches/wrapped");
    }

    [Fact]
    public async Task Branch_settings_from_the_admin_api_and_the_csharp_surface_reach_the_branch()
    {
        var endpointName = await Api.CreateBranchWithEndpointAsync("settings-test");
        using var response = await fixture.Http.GetAsync(new Uri(Emulator.WorkspaceUrl, "emulator/branch-settings/settings-test"), Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var settings = await Client.ReadJsonAsync(response);
        var host = await Api.HostOfAsync(endpointName);
        Assert.Equal(endpointName, settings["environment"]!["LAKEBASE_ENDPOINT"]!.GetValue<string>());
        Assert.Equal(host, settings["environment"]!["PGHOST"]!.GetValue<string>());
        Assert.Null(settings["environment"]!["DATABRICKS_CLIENT_SECRET"]);
        Assert.Contains($"host={host} ", settings["psql"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(host, Emulator.GetEndpointEnvironmentVariables(endpointName)["PGHOST"]);
        Assert.Contains(Emulator.Branches, b => b.Name == "projects/local/branches/settings-test" && b.State == "READY" && b.EndpointNames.Single() == endpointName);

        var builder = new NpgsqlConnectionStringBuilder(Emulator.GetEndpointConnectionString(endpointName)) { Password = Emulator.MintDatabaseToken().Token, Pooling = false };
        await using (var connection = new NpgsqlConnection(builder.ConnectionString))
        {
            await connection.OpenAsync(Ct);
            Assert.Equal(host, builder.Host);
        }

        var missing = Assert.Throws<ArgumentException>(() => Emulator.GetEndpointConnectionString("projects/local/branches/settings-test/endpoints/nope"));
        Assert.Contains(endpointName, missing.Message, StringComparison.Ordinal);
        await Api.DeleteBranchAsync("projects/local/branches/settings-test");
    }

    [Fact]
    public async Task No_secret_appears_in_any_log_line_of_the_lifecycle()
    {
        fixture.Logs.Clear();
        var endpointName = await Api.CreateBranchWithEndpointAsync("log-test");
        var token = await Api.CredentialForAsync(endpointName);
        await using (var session = await BranchLifecycleTests.OpenAsync(Emulator, await Api.HostOfAsync(endpointName), token))
        {
            Assert.Equal(1, await new NpgsqlCommand("SELECT 1", session).ExecuteScalarAsync(Ct));
        }

        // The admin route's fault this time (the C# one is FailNextCreations).
        using (var fault = await Client.PostJsonAsync(fixture.Http, Emulator, "emulator/faults", null, """{"fail_next_branch_creations": 1}"""))
        {
            Assert.Equal(1, (await Client.ReadJsonAsync(fault))["pending_branch_creation_failures"]!.GetValue<int>());
        }

        var failed = await Api.WaitAsync(await Api.StartCreateBranchAsync("log-test-failed"));
        Assert.Equal("INTERNAL_ERROR", failed["error"]!["error_code"]!.GetValue<string>());
        await Api.DeleteBranchAsync("projects/local/branches/log-test");

        var logs = fixture.Logs.AllText();
        Assert.Contains("projects/local/branches/log-test", logs, StringComparison.Ordinal); // the lifecycle was logged
        SecretAssert.DoesNotLeak(logs,
            ("database token", token),
            ("workspace token", Api.WorkspaceToken),
            ("client secret", Emulator.DefaultPrincipal.ClientSecret));
    }

    private async Task AssertRefusedAsync(HttpMethod method, string path, string? body, HttpStatusCode expected, string errorCode, string inMessage)
    {
        var (status, error) = await Api.SendAsync(method, path, body);
        Assert.True(expected == status, $"{method} {path}: expected {(int)expected}, got {(int)status} {error.ToJsonString()}");
        Assert.Equal(errorCode, error["error_code"]!.GetValue<string>());
        Assert.Contains(inMessage, error["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
