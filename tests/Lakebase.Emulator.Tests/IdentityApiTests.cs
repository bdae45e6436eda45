using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace Lakebase.Emulator.Tests;

/// <summary>The calls Databricks SDKs make around the credential API: OAuth discovery, SCIM Me, Provisioned claims.</summary>
[Collection(SharedEmulatorCollection.Name)]
public sealed class IdentityApiTests(EmulatorFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private LakebaseEmulator Emulator => fixture.Emulator;

    private HttpClient Http => fixture.Http;

    [Fact]
    public async Task Discovery_document_points_at_the_token_endpoint_that_works()
    {
        using var response = await Http.GetAsync(new Uri(Emulator.WorkspaceUrl, "oidc/.well-known/oauth-authorization-server"), Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await Client.ReadJsonAsync(response);
        var root = Emulator.WorkspaceUrl.ToString().TrimEnd('/');
        Assert.Equal($"{root}/oidc", body["issuer"]!.GetValue<string>());
        Assert.Equal($"{root}/oidc/v1/authorize", body["authorization_endpoint"]!.GetValue<string>());
        var tokenEndpoint = new Uri(body["token_endpoint"]!.GetValue<string>());
        Assert.Equal(Emulator.TokenEndpoint, tokenEndpoint);

        // A client that follows the document (as the SDKs do) gets a token there, with credentials in the form this time.
        using var token = await Http.PostAsync(tokenEndpoint, new FormUrlEncodedContent([
            new("grant_type", "client_credentials"), new("scope", "all-apis"),
            new("client_id", Emulator.DefaultPrincipal.ClientId), new("client_secret", Emulator.DefaultPrincipal.ClientSecret!)]), Ct);
        Assert.Equal(HttpStatusCode.OK, token.StatusCode);
    }

    [Fact]
    public async Task Scim_me_names_a_service_principal_by_its_application_id()
    {
        var workspaceToken = await Client.GetWorkspaceTokenAsync(Http, Emulator);
        var me = await MeAsync(workspaceToken);
        Assert.Equal(Emulator.DefaultPrincipal.ClientId, me["userName"]!.GetValue<string>());
        Assert.True(me["active"]!.GetValue<bool>());
        Assert.Matches("^[0-9]{16}$", me["id"]!.GetValue<string>());
        Assert.Null(me["emails"]);
    }

    [Fact]
    public async Task Scim_me_names_a_user_by_e_mail_and_that_is_its_postgres_role()
    {
        var user = await Emulator.AddPrincipalAsync(EmulatedPrincipal.CreateUser($"dev.{Guid.NewGuid():N}@example.com"), Ct);
        var me = await MeAsync(user.PersonalAccessToken!);
        var userName = me["userName"]!.GetValue<string>();
        Assert.Equal(user.ClientId, userName);
        Assert.Equal(userName, me["emails"]![0]!["value"]!.GetValue<string>());

        // The name SCIM gives is the one the database accepts, with a token minted for the PAT holder.
        Assert.Equal(userName, await Client.CurrentUserAsync(Emulator, Emulator.MintDatabaseToken(user).Token, user));
    }

    [Fact]
    public async Task Scim_me_requires_a_valid_bearer()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(Emulator.WorkspaceUrl, "api/2.0/preview/scim/v2/Me"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "not-a-token");
        using var response = await Http.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("UNAUTHENTICATED", (await Client.ReadJsonAsync(response))["error_code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Provisioned_credential_with_claims_only_mints_a_working_token()
    {
        var workspaceToken = await Client.GetWorkspaceTokenAsync(Http, Emulator);
        var body = new JsonObject
        {
            ["claims"] = new JsonArray(new JsonObject
            {
                ["permission_set"] = "READ_ONLY",
                ["resources"] = new JsonArray(new JsonObject { ["table_name"] = "main.default.orders" }),
            }),
            ["request_id"] = Guid.NewGuid().ToString(),
        };
        using var response = await Client.PostJsonAsync(Http, Emulator, "api/2.0/database/credentials", workspaceToken, body.ToJsonString());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await Client.ReadJsonAsync(response);
        Assert.NotNull(json["expiration_time"]);
        await using var connection = await Client.OpenAsync(Emulator, json["token"]!.GetValue<string>());
        Assert.Equal(1, await Client.ScalarAsync(connection, "SELECT 1"));
    }

    [Theory]
    [InlineData("""{"request_id":"r1"}""")]
    [InlineData("""{"claims":[]}""")]
    [InlineData("""{"claims":"READ_ONLY"}""")]
    public async Task Provisioned_credential_needs_instance_names_or_claims(string body)
    {
        var workspaceToken = await Client.GetWorkspaceTokenAsync(Http, Emulator);
        using var response = await Client.PostJsonAsync(Http, Emulator, "api/2.0/database/credentials", workspaceToken, body);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("INVALID_PARAMETER_VALUE", (await Client.ReadJsonAsync(response))["error_code"]!.GetValue<string>());
    }

    private async Task<JsonObject> MeAsync(string bearer)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(Emulator.WorkspaceUrl, "api/2.0/preview/scim/v2/Me"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        using var response = await Http.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await Client.ReadJsonAsync(response);
    }
}
