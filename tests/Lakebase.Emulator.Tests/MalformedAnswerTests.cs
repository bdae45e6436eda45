using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Lakebase.Emulator.Tests;

/// <summary>Each <see cref="MalformedAnswer"/> fault really answers that way on the wire, once, then the API is healthy again.</summary>
[Collection(SharedEmulatorCollection.Name)]
public sealed class MalformedAnswerTests(EmulatorFixture fixture) : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private LakebaseEmulator Emulator => fixture.Emulator;

    public void Dispose() => Emulator.Faults.Reset();

    [Fact]
    public async Task Invalid_json_is_a_200_json_answer_that_does_not_parse()
    {
        using var response = await NextCredentialAnswerAsync(MalformedAnswer.InvalidJson);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.ThrowsAny<JsonException>(() => JsonNode.Parse(body));
        await AssertHealthyAgainAsync();
    }

    [Fact]
    public async Task Missing_token_has_the_expiry_but_no_token()
    {
        using var response = await NextCredentialAnswerAsync(MalformedAnswer.MissingToken);

        var body = await Client.ReadJsonAsync(response);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(body.ContainsKey("token"));
        Assert.True(body.ContainsKey("expire_time"));
        await AssertHealthyAgainAsync();
    }

    [Fact]
    public async Task Missing_expiry_has_a_working_token_but_no_expire_time()
    {
        using var response = await NextCredentialAnswerAsync(MalformedAnswer.MissingExpiry);

        var body = await Client.ReadJsonAsync(response);
        Assert.False(body.ContainsKey("expire_time"));
        Assert.Equal(Emulator.DefaultPrincipal.ClientId, await Client.CurrentUserAsync(Emulator, body["token"]!.GetValue<string>()));
        await AssertHealthyAgainAsync();
    }

    [Fact]
    public async Task Missing_expiry_on_the_provisioned_api_drops_expiration_time()
    {
        var workspaceToken = await Client.GetWorkspaceTokenAsync(fixture.Http, Emulator);
        Emulator.Faults.MalformNextAnswers(MalformedAnswer.MissingExpiry);
        using var response = await Client.PostJsonAsync(fixture.Http, Emulator, "api/2.0/database/credentials", workspaceToken,
            new JsonObject { ["instance_names"] = new JsonArray(Emulator.InstanceName) }.ToJsonString());

        var body = await Client.ReadJsonAsync(response);
        Assert.True(body.ContainsKey("token"));
        Assert.False(body.ContainsKey("expiration_time"));
    }

    [Fact]
    public async Task Html_bad_gateway_is_a_502_html_page()
    {
        using var response = await NextCredentialAnswerAsync(MalformedAnswer.HtmlBadGateway);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<h1>502 Bad Gateway</h1>", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        await AssertHealthyAgainAsync();
    }

    [Fact]
    public async Task Garbage_date_header_comes_with_a_good_token()
    {
        using var response = await NextCredentialAnswerAsync(MalformedAnswer.GarbageDateHeader);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("not a date, honestly", RawDate(response));
        Assert.True((await Client.ReadJsonAsync(response)).ContainsKey("token"));

        using var healthy = await AssertHealthyAgainAsync();
        Assert.True(DateTimeOffset.TryParse(RawDate(healthy), CultureInfo.InvariantCulture, out _), RawDate(healthy));
    }

    [Fact]
    public async Task Far_future_expiry_is_100_days_away()
    {
        using var response = await NextCredentialAnswerAsync(MalformedAnswer.FarFutureExpiry);

        var body = await Client.ReadJsonAsync(response);
        var expiresAt = DateTimeOffset.Parse(body["expire_time"]!.GetValue<string>(), CultureInfo.InvariantCulture);
        Assert.InRange(expiresAt - Emulator.TimeProvider.GetUtcNow(), TimeSpan.FromDays(99.9), TimeSpan.FromDays(100));
        Assert.Equal(Emulator.DefaultPrincipal.ClientId, await Client.CurrentUserAsync(Emulator, body["token"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Huge_body_streams_50_megabytes_without_a_content_length()
    {
        var workspaceToken = await Client.GetWorkspaceTokenAsync(fixture.Http, Emulator);
        Emulator.Faults.MalformNextAnswers(MalformedAnswer.HugeBody);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Emulator.WorkspaceUrl, "api/2.0/postgres/credentials"))
        {
            Content = new StringContent(new JsonObject { ["endpoint"] = Emulator.EndpointName }.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new("Bearer", workspaceToken);
        using var response = await fixture.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(response.Content.Headers.ContentLength);
        await using var stream = await response.Content.ReadAsStreamAsync(Ct);
        var buffer = new byte[64 * 1024];
        long total = 0;
        var head = new List<byte>();
        int read;
        while ((read = await stream.ReadAsync(buffer, Ct)) > 0)
        {
            // The first bytes may arrive over several reads (the server writes the head on its own).
            head.AddRange(buffer.Take(Math.Min(read, 16 - head.Count)));
            total += read;
        }

        Assert.Equal(50L * 1024 * 1024, total);
        Assert.StartsWith("{\"token\": \"AAA", Encoding.UTF8.GetString([.. head]), StringComparison.Ordinal);
        await AssertHealthyAgainAsync();
    }

    [Fact]
    public async Task Token_endpoint_faults_leave_the_credential_api_alone()
    {
        Emulator.Faults.MalformNextAnswers(MalformedAnswer.MissingToken, count: 2, MalformedAnswerTarget.TokenEndpoint);
        for (var i = 0; i < 2; i++)
        {
            using var response = await Client.RequestWorkspaceTokenAsync(fixture.Http, Emulator, Emulator.DefaultPrincipal.ClientId, Emulator.DefaultPrincipal.ClientSecret);
            var body = await Client.ReadJsonAsync(response);
            Assert.False(body.ContainsKey("access_token"));
            Assert.Equal(3600, body["expires_in"]!.GetValue<long>());
        }

        await AssertHealthyAgainAsync(); // a token, then a credential: both answered normally
        Assert.Null(Emulator.Faults.PendingMalformedAnswers);
    }

    [Fact]
    public async Task Token_endpoint_far_future_expiry_says_100_days_in_expires_in()
    {
        Emulator.Faults.MalformNextAnswers(MalformedAnswer.FarFutureExpiry, target: MalformedAnswerTarget.TokenEndpoint);
        using var response = await Client.RequestWorkspaceTokenAsync(fixture.Http, Emulator, Emulator.DefaultPrincipal.ClientId, Emulator.DefaultPrincipal.ClientSecret);
        Assert.Equal((long)TimeSpan.FromDays(100).TotalSeconds, (await Client.ReadJsonAsync(response))["expires_in"]!.GetValue<long>());
    }

    [Fact]
    public async Task Admin_api_sets_shows_and_clears_a_malformed_answer()
    {
        using (var set = await PostFaultsAsync("""{"malformed_answer": "html_bad_gateway", "malformed_count": 3}"""))
        {
            var state = await Client.ReadJsonAsync(set);
            Assert.Equal("html_bad_gateway", state["malformed_answer"]!.GetValue<string>());
            Assert.Equal("credential_api", state["malformed_target"]!.GetValue<string>());
            Assert.Equal(3, state["malformed_count"]!.GetValue<int>());
        }

        var workspaceToken = await Client.GetWorkspaceTokenAsync(fixture.Http, Emulator);
        using (var failed = await Client.RequestCredentialAsync(fixture.Http, Emulator, workspaceToken))
        {
            Assert.Equal(HttpStatusCode.BadGateway, failed.StatusCode);
        }

        using (var cleared = await PostFaultsAsync("""{"malformed_answer": null}"""))
        {
            Assert.Equal(0, (await Client.ReadJsonAsync(cleared))["malformed_count"]!.GetValue<int>());
        }

        await AssertHealthyAgainAsync();

        using var invalid = await PostFaultsAsync("""{"malformed_answer": "html_502"}""");
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        var message = (await Client.ReadJsonAsync(invalid))["message"]!.GetValue<string>();
        Assert.Contains("'malformed_answer' must be one of invalid_json, missing_token, missing_expiry, html_bad_gateway, garbage_date_header, far_future_expiry, huge_body; got 'html_502'", message, StringComparison.Ordinal);
    }

    private async Task<HttpResponseMessage> NextCredentialAnswerAsync(MalformedAnswer answer)
    {
        var workspaceToken = await Client.GetWorkspaceTokenAsync(fixture.Http, Emulator);
        Emulator.Faults.MalformNextAnswers(answer);
        return await Client.RequestCredentialAsync(fixture.Http, Emulator, workspaceToken);
    }

    private async Task<HttpResponseMessage> AssertHealthyAgainAsync()
    {
        var workspaceToken = await Client.GetWorkspaceTokenAsync(fixture.Http, Emulator);
        var response = await Client.RequestCredentialAsync(fixture.Http, Emulator, workspaceToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await Client.ReadJsonAsync(response);
        Assert.StartsWith("lbdb_", body["token"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.True(body.ContainsKey("expire_time"));
        return response;
    }

    private Task<HttpResponseMessage> PostFaultsAsync(string json) =>
        fixture.Http.PostAsync(new Uri(Emulator.WorkspaceUrl, "emulator/faults"), new StringContent(json, Encoding.UTF8, "application/json"), Ct);

    private static string RawDate(HttpResponseMessage response) =>
        response.Headers.NonValidated.TryGetValues("Date", out var values) ? string.Join(",", values) : "(none)";
}
