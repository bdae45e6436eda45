using Lakebase.TestUtilities;
using System.Diagnostics;
using System.Net;
using System.Text;

namespace Lakebase.Emulator.Tests;

[Collection(SharedEmulatorCollection.Name)]
public sealed class FaultTests(EmulatorFixture fixture) : IDisposable
{
    private LakebaseEmulator Emulator => fixture.Emulator;

    public void Dispose() => Emulator.Faults.Reset();

    [Fact]
    public async Task Api_latency_delays_oidc_and_credential_calls()
    {
        var workspaceToken = await Client.GetWorkspaceTokenAsync(fixture.Http, Emulator);
        Emulator.Faults.ApiLatency = TimeSpan.FromMilliseconds(400);
        var stopwatch = Stopwatch.StartNew();
        using var response = await Client.RequestCredentialAsync(fixture.Http, Emulator, workspaceToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(stopwatch.Elapsed >= TimeSpan.FromMilliseconds(380), $"took {stopwatch.Elapsed}");

        stopwatch.Restart();
        await Client.GetWorkspaceTokenAsync(fixture.Http, Emulator);
        Assert.True(stopwatch.Elapsed >= TimeSpan.FromMilliseconds(380), $"took {stopwatch.Elapsed}");
    }

    [Fact]
    public async Task Failing_next_requests_with_429_sends_retry_after_then_recovers()
    {
        var workspaceToken = await Client.GetWorkspaceTokenAsync(fixture.Http, Emulator);
        Emulator.Faults.FailNextApiRequests(2, 429, TimeSpan.FromSeconds(3));
        for (var i = 0; i < 2; i++)
        {
            using var failed = await Client.RequestCredentialAsync(fixture.Http, Emulator, workspaceToken);
            Assert.Equal(HttpStatusCode.TooManyRequests, failed.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(3), failed.Headers.RetryAfter?.Delta);
            Assert.Equal("RESOURCE_EXHAUSTED", (await Client.ReadJsonAsync(failed))["error_code"]!.GetValue<string>());
        }

        using var ok = await Client.RequestCredentialAsync(fixture.Http, Emulator, workspaceToken);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    [Fact]
    public async Task Failing_next_requests_with_503_applies_to_oidc_too()
    {
        Emulator.Faults.FailNextApiRequests(1);
        using var failed = await Client.RequestWorkspaceTokenAsync(fixture.Http, Emulator, Emulator.DefaultPrincipal.ClientId, Emulator.DefaultPrincipal.ClientSecret);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
        Assert.Equal("TEMPORARILY_UNAVAILABLE", (await Client.ReadJsonAsync(failed))["error_code"]!.GetValue<string>());
        await Client.GetWorkspaceTokenAsync(fixture.Http, Emulator);
    }

    [Fact]
    public async Task Outage_fails_everything_until_ended_or_elapsed()
    {
        var workspaceToken = await Client.GetWorkspaceTokenAsync(fixture.Http, Emulator);
        Emulator.Faults.StartOutage();
        for (var i = 0; i < 3; i++)
        {
            using var failed = await Client.RequestCredentialAsync(fixture.Http, Emulator, workspaceToken);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
        }

        Emulator.Faults.EndOutage();
        using (var ok = await Client.RequestCredentialAsync(fixture.Http, Emulator, workspaceToken))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        // Real time (the shared emulator's clock): a window long enough that a slow request still lands inside it, and
        // the end waited for as a state, not a fixed sleep.
        Emulator.Faults.StartOutage(TimeSpan.FromSeconds(2));
        using (var failed = await Client.RequestCredentialAsync(fixture.Http, Emulator, workspaceToken))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
        }

        await Poll.UntilAsync(() => !Emulator.Faults.OutageActive, TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        using var recovered = await Client.RequestCredentialAsync(fixture.Http, Emulator, workspaceToken);
        Assert.Equal(HttpStatusCode.OK, recovered.StatusCode);
    }

    [Fact]
    public async Task Token_lifetime_override_makes_tokens_expire_in_seconds()
    {
        // Real time: the token expires on the shared emulator's own clock. 3 s leaves a loaded machine time for the first
        // login; then new logins are tried until one is refused, instead of sleeping a fixed time.
        Emulator.Faults.TokenLifetimeOverride = TimeSpan.FromSeconds(3);
        var token = await Client.MintViaApiAsync(fixture.Http, Emulator);
        await using var open = await Client.OpenAsync(Emulator, token);
        var refused = await Poll.UntilSucceedsAsync(() => Client.LoginFailsAsync(Emulator, token), TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.Equal("28P01", refused.SqlState);
        Assert.Equal(1, await Client.ScalarAsync(open, "SELECT 1"));
    }

    [Fact]
    public async Task Counters_count_requests_mints_tokens_and_logins()
    {
        var counters = Emulator.Counters;
        counters.Reset();
        var token = await Client.MintViaApiAsync(fixture.Http, Emulator);
        using (await Client.RequestCredentialAsync(fixture.Http, Emulator, "bad-bearer"))
        {
        }

        await using (var open = await Client.OpenAsync(Emulator, token))
        {
            Assert.Equal(1, counters.LiveSessions);
        }

        await Client.LoginFailsAsync(Emulator, "not-a-token");

        Assert.Equal(2, counters.CredentialRequests);
        Assert.Equal(1, counters.CredentialsMinted);
        Assert.Equal(1, counters.CredentialsMintedFor(Emulator.DefaultPrincipal.ClientId));
        Assert.Equal(1, counters.WorkspaceTokensIssued);
        Assert.Equal(1, counters.LoginsAccepted);
        // Npgsql makes a second physical attempt after a failed password login, so at least one.
        Assert.InRange(counters.LoginsRejected, 1, 2);
        await Poll.UntilAsync(() => counters.LiveSessions == 0, TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);

        counters.Reset();
        Assert.Equal(0, counters.CredentialsMinted);
        Assert.Equal(0, counters.CredentialsMintedFor(Emulator.DefaultPrincipal.ClientId));
    }

    [Fact]
    public async Task Admin_http_endpoints_drive_faults_revocation_sessions_and_counters()
    {
        var http = fixture.Http;
        var ct = TestContext.Current.CancellationToken;
        var workspaceToken = await Client.GetWorkspaceTokenAsync(http, Emulator);

        using (var set = await http.PostAsync(new Uri(Emulator.WorkspaceUrl, "emulator/faults"),
                   new StringContent("{\"fail_next_requests\":1,\"fail_status_code\":503,\"retry_after_seconds\":2}", Encoding.UTF8, "application/json"), ct))
        {
            Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        }

        using (var failed = await Client.RequestCredentialAsync(http, Emulator, workspaceToken))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(2), failed.Headers.RetryAfter?.Delta);
        }

        using (var bad = await http.PostAsync(new Uri(Emulator.WorkspaceUrl, "emulator/faults"), new StringContent("{oops", Encoding.UTF8, "application/json"), ct))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        }

        var token = await Client.MintViaApiAsync(http, Emulator);
        await using var open = await Client.OpenAsync(Emulator, token);
        using (var revoke = await http.PostAsync(new Uri(Emulator.WorkspaceUrl, "emulator/revoke-tokens"), new StringContent("{}", Encoding.UTF8, "application/json"), ct))
        {
            Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        }

        Assert.Equal("28P01", (await Client.LoginFailsAsync(Emulator, token)).SqlState);
        Assert.Equal(1, await Client.ScalarAsync(open, "SELECT 1"));

        using (var drop = await http.PostAsync(new Uri(Emulator.WorkspaceUrl, "emulator/drop-sessions"), new StringContent("{}", Encoding.UTF8, "application/json"), ct))
        {
            Assert.Equal(HttpStatusCode.OK, drop.StatusCode);
        }

        await Assert.ThrowsAnyAsync<global::Npgsql.NpgsqlException>(() => Client.ScalarAsync(open, "SELECT 1"));

        var counters = await http.GetStringAsync(new Uri(Emulator.WorkspaceUrl, "emulator/counters"), ct);
        Assert.Contains("\"credentials_minted\"", counters, StringComparison.Ordinal);
        Assert.Contains("\"logins_rejected\"", counters, StringComparison.Ordinal);
    }
}
