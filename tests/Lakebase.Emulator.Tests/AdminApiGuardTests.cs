using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Lakebase.Emulator.Tests;

/// <summary>
/// The admin API (<c>/emulator/*</c>) is unauthenticated and local: a web page must not be able to drive it, neither
/// by posting to it from another origin (CSRF) nor through a DNS name rebound to 127.0.0.1.
/// </summary>
[Collection(SharedEmulatorCollection.Name)]
public sealed class AdminApiGuardTests(EmulatorFixture fixture) : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private LakebaseEmulator Emulator => fixture.Emulator;

    public void Dispose() => Emulator.Faults.Reset();

    [Fact]
    public async Task A_request_for_another_host_name_is_refused_and_changes_nothing()
    {
        // What a browser sends after rebinding attacker.example to 127.0.0.1.
        using var request = Post("emulator/faults", Json("""{"outage": true}"""));
        request.Headers.Host = $"attacker.example:{Emulator.WorkspaceUrl.Port}";
        using var response = await fixture.Http.SendAsync(request, Ct);

        await AssertRefusedAsync(response, HttpStatusCode.Forbidden, "PERMISSION_DENIED", "Host header");
        Assert.False(Emulator.Faults.OutageActive);

        using var read = new HttpRequestMessage(HttpMethod.Get, new Uri(Emulator.WorkspaceUrl, "emulator/counters"));
        read.Headers.Host = $"attacker.example:{Emulator.WorkspaceUrl.Port}";
        using var readResponse = await fixture.Http.SendAsync(read, Ct);
        Assert.Equal(HttpStatusCode.Forbidden, readResponse.StatusCode);
        Assert.DoesNotContain("credential_requests", await readResponse.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);

        // Scripts on this machine still drive it, by any loopback name, with or without their own Origin.
        foreach (var host in new[] { "127.0.0.1", "localhost", "LOCALHOST" })
        {
            using var allowed = Post("emulator/faults", Json("""{"api_latency_ms": 1}"""));
            allowed.Headers.Host = $"{host}:{Emulator.WorkspaceUrl.Port}";
            allowed.Headers.Add("Origin", $"http://{host}:{Emulator.WorkspaceUrl.Port}");
            using var allowedResponse = await fixture.Http.SendAsync(allowed, Ct);
            Assert.Equal(HttpStatusCode.OK, allowedResponse.StatusCode);
        }

        Assert.Equal(TimeSpan.FromMilliseconds(1), Emulator.Faults.ApiLatency);
    }

    [Fact]
    public async Task A_loopback_name_on_another_port_is_refused()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(Emulator.WorkspaceUrl, "emulator/info"));
        request.Headers.Host = "localhost:1";
        using var response = await fixture.Http.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task A_request_from_a_foreign_origin_is_refused_and_tokens_stay_valid()
    {
        var token = await Client.MintViaApiAsync(fixture.Http, Emulator);
        using var request = Post("emulator/revoke-tokens", Json("{}"));
        request.Headers.Add("Origin", "https://attacker.example");
        using var response = await fixture.Http.SendAsync(request, Ct);

        await AssertRefusedAsync(response, HttpStatusCode.Forbidden, "PERMISSION_DENIED", "cross-origin");
        Assert.Equal(Emulator.DefaultPrincipal.ClientId, await Client.CurrentUserAsync(Emulator, token));
    }

    [Fact]
    public async Task A_form_post_is_refused_and_tokens_stay_valid()
    {
        // A plain HTML form can post this cross-origin without a CORS preflight.
        var token = await Client.MintViaApiAsync(fixture.Http, Emulator);
        using var request = Post("emulator/revoke-tokens", new FormUrlEncodedContent([new("x", "y")]));
        using var response = await fixture.Http.SendAsync(request, Ct);

        await AssertRefusedAsync(response, (HttpStatusCode)415, "INVALID_PARAMETER_VALUE", "Content-Type: application/json");
        Assert.Equal(Emulator.DefaultPrincipal.ClientId, await Client.CurrentUserAsync(Emulator, token));

        // The same call as JSON, as scripts and tests send it, works.
        using var json = Post("emulator/revoke-tokens", Json("{}"));
        using var revoked = await fixture.Http.SendAsync(json, Ct);
        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        Assert.Equal("28P01", (await Client.LoginFailsAsync(Emulator, token)).SqlState);
    }

    [Fact]
    public async Task Json_sent_as_text_plain_or_without_a_content_type_is_refused()
    {
        // fetch(url, {method: "POST", mode: "no-cors", body: "{...}"}) sends text/plain: no preflight either.
        using (var request = Post("emulator/faults", new StringContent("""{"outage": true}""", Encoding.UTF8, "text/plain")))
        using (var response = await fixture.Http.SendAsync(request, Ct))
        {
            Assert.Equal((HttpStatusCode)415, response.StatusCode);
        }

        using (var bodyless = Post("emulator/suspend", content: null))
        using (var response = await fixture.Http.SendAsync(bodyless, Ct))
        {
            Assert.Equal((HttpStatusCode)415, response.StatusCode);
        }

        Assert.False(Emulator.Faults.OutageActive);
        Assert.False(Emulator.IsSuspended);
    }

    private HttpRequestMessage Post(string path, HttpContent? content) =>
        new(HttpMethod.Post, new Uri(Emulator.WorkspaceUrl, path)) { Content = content };

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task AssertRefusedAsync(HttpResponseMessage response, HttpStatusCode status, string errorCode, string messagePart)
    {
        Assert.Equal(status, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!.AsObject();
        Assert.Equal(errorCode, body["error_code"]!.GetValue<string>());
        Assert.Contains(messagePart, body["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
