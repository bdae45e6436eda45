using System.Net;
using System.Text.Json.Nodes;

namespace Lakebase.Emulator.Tests;

/// <summary>Workload identity federation: an OIDC ID token exchanged (RFC 8693) at the token endpoint, as the Databricks SDKs post it.</summary>
[Collection(SharedEmulatorCollection.Name)]
public sealed class TokenExchangeTests(EmulatorFixture fixture) : IDisposable
{
    private const string Subject = "repo:contoso/app:environment:prod";

    private readonly TestOidcProvider _provider = TestOidcProvider.Create($"https://ci-{Guid.NewGuid():N}.example.test");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private LakebaseEmulator Emulator => fixture.Emulator;

    public void Dispose() => _provider.Dispose();

    [Fact]
    public async Task Valid_subject_token_gets_a_workspace_token_that_mints_credentials()
    {
        var principal = await TrustAsync();
        var issuedBefore = Emulator.Counters.WorkspaceTokensIssued;

        using var response = await ExchangeAsync(_provider.MintToken(Subject, Emulator.TokenEndpoint.ToString()), principal.ClientId);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await Client.ReadJsonAsync(response);
        Assert.Equal("Bearer", body["token_type"]!.GetValue<string>());
        Assert.Equal(issuedBefore + 1, Emulator.Counters.WorkspaceTokensIssued);

        using var credential = await Client.RequestCredentialAsync(fixture.Http, Emulator, body["access_token"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, credential.StatusCode);
        var token = (await Client.ReadJsonAsync(credential))["token"]!.GetValue<string>();
        Assert.Equal(principal.ClientId, await Client.CurrentUserAsync(Emulator, token, principal));
    }

    [Fact]
    public async Task Account_wide_federation_without_client_id_is_accepted()
    {
        await TrustAsync();
        using var response = await ExchangeAsync(_provider.MintToken(Subject, Emulator.TokenEndpoint.ToString()), clientId: null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Token_signed_by_another_key_is_refused()
    {
        var principal = await TrustAsync();
        using var impostor = TestOidcProvider.Create(_provider.Issuer);
        await AssertRefusedAsync(impostor.MintToken(Subject, Emulator.TokenEndpoint.ToString()), principal.ClientId, "signature");
    }

    [Fact]
    public async Task Token_for_another_audience_is_refused()
    {
        var principal = await TrustAsync();
        await AssertRefusedAsync(_provider.MintToken(Subject, "https://other-workspace.example.test/oidc/v1/token"), principal.ClientId, "audience");
    }

    [Fact]
    public async Task Expired_token_is_refused()
    {
        var principal = await TrustAsync();
        var token = _provider.MintToken(Subject, Emulator.TokenEndpoint.ToString(), TimeSpan.FromMinutes(5), DateTimeOffset.UtcNow.AddMinutes(-10));
        await AssertRefusedAsync(token, principal.ClientId, "expired");
    }

    [Fact]
    public async Task Unmapped_subject_untrusted_issuer_or_other_client_is_refused()
    {
        var principal = await TrustAsync();
        var audience = Emulator.TokenEndpoint.ToString();
        await AssertRefusedAsync(_provider.MintToken("repo:contoso/other:ref:refs/heads/main", audience), principal.ClientId, "maps subject");
        using var stranger = TestOidcProvider.Create("https://untrusted.example.test");
        await AssertRefusedAsync(stranger.MintToken(Subject, audience), principal.ClientId, "not trusted");
        await AssertRefusedAsync(_provider.MintToken(Subject, audience), Emulator.DefaultPrincipal.ClientId, "does not allow this subject");
        await AssertRefusedAsync("not.a.jwt", principal.ClientId, "is not a JWT");
    }

    private async Task<EmulatedPrincipal> TrustAsync()
    {
        var principal = await Emulator.AddPrincipalAsync(EmulatedPrincipal.CreateServicePrincipal(), Ct);
        Emulator.TrustOidcIssuer(_provider.Issuer, _provider.ExportPublicKeyPem(), Emulator.TokenEndpoint.ToString(),
            subject => subject == Subject ? principal : null);
        return principal;
    }

    private async Task AssertRefusedAsync(string subjectToken, string clientId, string reason)
    {
        var issuedBefore = Emulator.Counters.WorkspaceTokensIssued;
        using var response = await ExchangeAsync(subjectToken, clientId);
        var body = await Client.ReadJsonAsync(response);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_request", body["error"]!.GetValue<string>());
        Assert.Contains(reason, body["error_description"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain(subjectToken, body.ToJsonString(), StringComparison.Ordinal);
        Assert.Null(body["access_token"]);
        Assert.Equal(issuedBefore, Emulator.Counters.WorkspaceTokensIssued);
    }

    /// <summary>The form the Go SDK posts: client id in the form (no secret), subject token, JWT type, scope.</summary>
    private Task<HttpResponseMessage> ExchangeAsync(string subjectToken, string? clientId)
    {
        var form = new List<KeyValuePair<string, string>>
        {
            new("grant_type", "urn:ietf:params:oauth:grant-type:token-exchange"),
            new("subject_token_type", "urn:ietf:params:oauth:token-type:jwt"),
            new("subject_token", subjectToken),
            new("scope", "all-apis"),
        };
        if (clientId is not null)
        {
            form.Add(new("client_id", clientId));
        }

        return fixture.Http.PostAsync(Emulator.TokenEndpoint, new FormUrlEncodedContent(form), Ct);
    }
}
