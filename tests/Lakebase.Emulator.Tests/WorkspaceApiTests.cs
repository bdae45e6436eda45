using System.Net;
using System.Text.Json.Nodes;

namespace Lakebase.Emulator.Tests;

[Collection(SharedEmulatorCollection.Name)]
public sealed class WorkspaceApiTests(EmulatorFixture fixture)
{
    private LakebaseEmulator Emulator => fixture.Emulator;

    private HttpClient Http => fixture.Http;

    [Fact]
    public async Task Oidc_good_secret_gets_a_bearer_token()
    {
        using var response = await Client.RequestWorkspaceTokenAsync(Http, Emulator, Emulator.DefaultPrincipal.ClientId, Emulator.DefaultPrincipal.ClientSecret);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await Client.ReadJsonAsync(response);
        Assert.False(string.IsNullOrEmpty(body["access_token"]!.GetValue<string>()));
        Assert.Equal("Bearer", body["token_type"]!.GetValue<string>());
        Assert.Equal(3600, body["expires_in"]!.GetValue<long>());
        Assert.Equal("all-apis", body["scope"]!.GetValue<string>());
    }

    [Fact]
    public async Task Oidc_bad_secret_is_invalid_client()
    {
        using var response = await Client.RequestWorkspaceTokenAsync(Http, Emulator, Emulator.DefaultPrincipal.ClientId, "wrong");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("invalid_client", (await Client.ReadJsonAsync(response))["error"]!.GetValue<string>());

        using var unknown = await Client.RequestWorkspaceTokenAsync(Http, Emulator, Guid.NewGuid().ToString(), "whatever");
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
    }

    [Fact]
    public async Task Credential_api_mints_a_database_token()
    {
        var workspaceToken = await Client.GetWorkspaceTokenAsync(Http, Emulator);
        using var response = await Client.RequestCredentialAsync(Http, Emulator, workspaceToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await Client.ReadJsonAsync(response);
        var token = body["token"]!.GetValue<string>();
        Assert.NotEqual(workspaceToken, token);
        var expires = DateTimeOffset.Parse(body["expire_time"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.EndsWith("Z", body["expire_time"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.InRange(expires - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(58), TimeSpan.FromMinutes(61));
    }

    [Fact]
    public async Task Credential_api_honours_ttl_clamped_to_300_seconds()
    {
        var workspaceToken = await Client.GetWorkspaceTokenAsync(Http, Emulator);
        using var response = await Client.PostJsonAsync(Http, Emulator, "api/2.0/postgres/credentials", workspaceToken,
            new JsonObject { ["endpoint"] = Emulator.EndpointName, ["ttl"] = "10s" }.ToJsonString());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var expires = DateTimeOffset.Parse((await Client.ReadJsonAsync(response))["expire_time"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(expires - DateTimeOffset.UtcNow, TimeSpan.FromSeconds(280), TimeSpan.FromSeconds(301));
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("[1,2]")]
    [InlineData("{\"endpoint\": 42}")]
    [InlineData("{\"endpoint\": \"ep-local-emulator\"}")]
    [InlineData("{\"endpoint\": \"projects/local/branches/main\"}")]
    [InlineData("{\"endpoint\": \"projects/local/branches/main/endpoints/ep-local-emulator\", \"ttl\": \"soon\"}")]
    public async Task Credential_api_rejects_malformed_requests_with_400(string body)
    {
        var workspaceToken = await Client.GetWorkspaceTokenAsync(Http, Emulator);
        using var response = await Client.PostJsonAsync(Http, Emulator, "api/2.0/postgres/credentials", workspaceToken, body);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("INVALID_PARAMETER_VALUE", (await Client.ReadJsonAsync(response))["error_code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Credential_api_unknown_endpoint_is_404()
    {
        var workspaceToken = await Client.GetWorkspaceTokenAsync(Http, Emulator);
        using var response = await Client.RequestCredentialAsync(Http, Emulator, workspaceToken, "projects/local/branches/main/endpoints/ep-other");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("RESOURCE_DOES_NOT_EXIST", (await Client.ReadJsonAsync(response))["error_code"]!.GetValue<string>());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("not-a-token")]
    public async Task Credential_api_without_a_valid_bearer_is_401(string? bearer)
    {
        using var response = await Client.RequestCredentialAsync(Http, Emulator, bearer);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("UNAUTHENTICATED", (await Client.ReadJsonAsync(response))["error_code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Principal_without_workspace_access_gets_the_entitlement_error()
    {
        var outsider = await Emulator.AddPrincipalAsync(EmulatedPrincipal.CreateServicePrincipal(workspaceAccess: false), TestContext.Current.CancellationToken);
        var workspaceToken = await Client.GetWorkspaceTokenAsync(Http, Emulator, outsider);
        using var response = await Client.RequestCredentialAsync(Http, Emulator, workspaceToken);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var body = await Client.ReadJsonAsync(response);
        Assert.Equal("PERMISSION_DENIED", body["error_code"]!.GetValue<string>());
        Assert.Contains("API is disabled for users without workspace-access entitlement", body["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Personal_access_token_is_accepted_as_bearer()
    {
        var user = await Emulator.AddPrincipalAsync(EmulatedPrincipal.CreateUser($"someone-{Guid.NewGuid():N}@example.com"), TestContext.Current.CancellationToken);
        using var response = await Client.RequestCredentialAsync(Http, Emulator, user.PersonalAccessToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var token = (await Client.ReadJsonAsync(response))["token"]!.GetValue<string>();
        Assert.Equal(user.ClientId, await Client.CurrentUserAsync(Emulator, token, user));
    }

    [Fact]
    public async Task Provisioned_credential_shape_works()
    {
        var workspaceToken = await Client.GetWorkspaceTokenAsync(Http, Emulator);
        var body = new JsonObject { ["instance_names"] = new JsonArray(Emulator.InstanceName), ["request_id"] = Guid.NewGuid().ToString() }.ToJsonString();
        using var response = await Client.PostJsonAsync(Http, Emulator, "api/2.0/database/credentials", workspaceToken, body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await Client.ReadJsonAsync(response);
        Assert.NotNull(json["expiration_time"]);
        await using var connection = await Client.OpenAsync(Emulator, json["token"]!.GetValue<string>());
        Assert.Equal(1, await Client.ScalarAsync(connection, "SELECT 1"));

        using var unknown = await Client.PostJsonAsync(Http, Emulator, "api/2.0/database/credentials", workspaceToken,
            new JsonObject { ["instance_names"] = new JsonArray("nope") }.ToJsonString());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Get_endpoint_returns_the_host_and_port()
    {
        var workspaceToken = await Client.GetWorkspaceTokenAsync(Http, Emulator);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(Emulator.WorkspaceUrl, "api/2.0/postgres/" + Emulator.EndpointName));
        request.Headers.Authorization = new("Bearer", workspaceToken);
        using var response = await Http.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await Client.ReadJsonAsync(response);
        Assert.Equal(Emulator.EndpointName, body["name"]!.GetValue<string>());
        Assert.Equal("127.0.0.1", body["status"]!["hosts"]!["host"]!.GetValue<string>());
        Assert.Equal(Emulator.Port, body["status"]!["hosts"]!["port"]!.GetValue<int>());

        // No read replica here: no readable secondary is advertised, and the replica's admin routes say how to get one.
        Assert.Null(body["status"]!["hosts"]!["read_only_host"]);
        Assert.False(body["status"]!["group"]!["enable_readable_secondaries"]!.GetValue<bool>());
        Assert.False(Emulator.HasReadReplica);
        Assert.Contains("ReadReplica = true", Assert.Throws<InvalidOperationException>(() => Emulator.ReadOnlyHost).Message, StringComparison.Ordinal);
        using var admin = await Client.PostJsonAsync(Http, Emulator, "emulator/read-replica/stop", bearer: null, "{}");
        Assert.Equal(HttpStatusCode.NotFound, admin.StatusCode);
    }

    [Fact]
    public async Task Unknown_route_is_a_databricks_shaped_404()
    {
        using var response = await Http.GetAsync(new Uri(Emulator.WorkspaceUrl, "api/2.0/nothing-here"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.NotNull((await Client.ReadJsonAsync(response))["error_code"]);
    }
}
