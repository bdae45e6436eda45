using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Npgsql;

namespace Lakebase.Emulator.Tests;

/// <summary>The workspace API describes the read replica as the Databricks SDKs model endpoints; the admin API drives its faults.</summary>
[Collection(ReadReplicaCollection.Name)]
public sealed class ReadReplicaApiTests(ReadReplicaFixture fixture)
{
    private LakebaseEmulator Emulator => fixture.Emulator;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_read_write_endpoint_advertises_the_standby_as_its_read_only_host()
    {
        var body = await GetAsync("api/2.0/postgres/" + Emulator.EndpointName);

        Assert.Equal(Emulator.EndpointName, body["name"]!.GetValue<string>());
        Assert.Equal("projects/local/branches/main", body["parent"]!.GetValue<string>());
        Assert.Equal("ENDPOINT_TYPE_READ_WRITE", body["spec"]!["endpoint_type"]!.GetValue<string>());
        var status = body["status"]!;
        Assert.Equal("ENDPOINT_TYPE_READ_WRITE", status["endpoint_type"]!.GetValue<string>());
        Assert.Equal("ACTIVE", status["current_state"]!.GetValue<string>());
        Assert.True(status["group"]!["enable_readable_secondaries"]!.GetValue<bool>());
        Assert.Equal("127.0.0.1", status["hosts"]!["host"]!.GetValue<string>());
        Assert.Equal(Emulator.ReadOnlyHost, status["hosts"]!["read_only_host"]!.GetValue<string>());
        Assert.Equal(Emulator.Port, status["hosts"]!["port"]!.GetValue<int>());
    }

    [Fact]
    public async Task The_read_only_endpoint_has_its_own_host_and_type()
    {
        var body = await GetAsync("api/2.0/postgres/" + Emulator.ReadOnlyEndpointName);

        Assert.Equal(Emulator.ReadOnlyEndpointName, body["name"]!.GetValue<string>());
        Assert.Equal("ENDPOINT_TYPE_READ_ONLY", body["spec"]!["endpoint_type"]!.GetValue<string>());
        var status = body["status"]!;
        Assert.Equal("ENDPOINT_TYPE_READ_ONLY", status["endpoint_type"]!.GetValue<string>());
        Assert.Equal("127.0.0.2", status["hosts"]!["host"]!.GetValue<string>());
        Assert.Null(status["hosts"]!["read_only_host"]);
        Assert.Equal(Emulator.Port, status["hosts"]!["port"]!.GetValue<int>());
    }

    [Fact]
    public async Task The_branch_lists_both_endpoints_and_an_unknown_branch_is_404()
    {
        var body = await GetAsync("api/2.0/postgres/projects/local/branches/main/endpoints");

        var names = body["endpoints"]!.AsArray().Select(e => e!["name"]!.GetValue<string>()).ToList();
        Assert.Equal([Emulator.EndpointName, Emulator.ReadOnlyEndpointName], names);
        Assert.Null(body["next_page_token"]);

        using var unknown = await SendAsync(HttpMethod.Get, "api/2.0/postgres/projects/local/branches/nope/endpoints", bearer: await WorkspaceTokenAsync());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("projects/local/branches/nope", (await Client.ReadJsonAsync(unknown))["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_credential_api_takes_the_read_only_endpoint_name_and_its_token_works_on_the_primary_too()
    {
        using var response = await Client.RequestCredentialAsync(fixture.Http, Emulator, await WorkspaceTokenAsync(), Emulator.ReadOnlyEndpointName);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var token = (await Client.ReadJsonAsync(response))["token"]!.GetValue<string>();

        Assert.Equal(Emulator.DefaultPrincipal.ClientId, await Client.CurrentUserAsync(Emulator, token));
        await using var replica = await fixture.OpenReplicaAsync(token);
    }

    [Fact]
    public async Task The_admin_api_stops_and_starts_the_replica_and_shows_it_in_the_endpoint()
    {
        using (var stopped = await SendAsync(HttpMethod.Post, "emulator/read-replica/stop", json: "{}"))
        {
            Assert.Equal(HttpStatusCode.OK, stopped.StatusCode);
            Assert.True((await Client.ReadJsonAsync(stopped))["stopped"]!.GetValue<bool>());
        }

        try
        {
            var status = (await GetAsync("api/2.0/postgres/" + Emulator.ReadOnlyEndpointName))["status"]!;
            Assert.Equal("IDLE", status["current_state"]!.GetValue<string>());
            Assert.True(status["disabled"]!.GetValue<bool>());
            await using var refused = fixture.ReplicaConnection(Emulator.MintDatabaseToken().Token);
            var error = await Assert.ThrowsAnyAsync<NpgsqlException>(() => refused.OpenAsync(Ct));
            Assert.Equal(SocketError.ConnectionRefused, Assert.IsType<SocketException>(error.InnerException).SocketErrorCode);
        }
        finally
        {
            using var started = await SendAsync(HttpMethod.Post, "emulator/read-replica/start", json: "{}");
            Assert.Equal(HttpStatusCode.OK, started.StatusCode);
        }

        Assert.Equal("ACTIVE", (await GetAsync("api/2.0/postgres/" + Emulator.ReadOnlyEndpointName))["status"]!["current_state"]!.GetValue<string>());
        await using var open = await fixture.OpenReplicaAsync(Emulator.MintDatabaseToken().Token);
    }

    [Fact]
    public async Task The_admin_api_sets_and_clears_the_replication_lag()
    {
        try
        {
            using var set = await SendAsync(HttpMethod.Post, "emulator/read-replica/lag", json: """{"lag_ms": 90000}""");
            Assert.Equal(HttpStatusCode.OK, set.StatusCode);
            Assert.Equal(90000, (await Client.ReadJsonAsync(set))["lag_ms"]!.GetValue<double>());
            await using var admin = new NpgsqlConnection(Emulator.ReplicaAdminConnectionString);
            await admin.OpenAsync(Ct);
            await using var show = new NpgsqlCommand("SHOW recovery_min_apply_delay", admin);
            Assert.Equal("90s", await show.ExecuteScalarAsync(Ct));

            using var bad = await SendAsync(HttpMethod.Post, "emulator/read-replica/lag", json: """{"lag_ms": "soon"}""");
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Contains("lag_ms", (await Client.ReadJsonAsync(bad))["message"]!.GetValue<string>(), StringComparison.Ordinal);
        }
        finally
        {
            using var cleared = await SendAsync(HttpMethod.Post, "emulator/read-replica/lag", json: """{"lag_ms": null}""");
            Assert.Equal(0, (await Client.ReadJsonAsync(cleared))["lag_ms"]!.GetValue<double>());
        }

        Assert.Equal(TimeSpan.Zero, Emulator.Faults.ReadReplica.ReplicationLag);
    }

    private async Task<string> WorkspaceTokenAsync() => await Client.GetWorkspaceTokenAsync(fixture.Http, Emulator);

    private async Task<JsonObject> GetAsync(string path)
    {
        using var response = await SendAsync(HttpMethod.Get, path, bearer: await WorkspaceTokenAsync());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await Client.ReadJsonAsync(response);
    }

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? bearer = null, string? json = null)
    {
        var request = new HttpRequestMessage(method, new Uri(Emulator.WorkspaceUrl, path));
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        return fixture.Http.SendAsync(request, Ct);
    }
}
