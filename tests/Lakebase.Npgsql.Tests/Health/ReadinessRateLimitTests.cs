using Lakebase.Npgsql.Health;
using Lakebase.Npgsql.Tests.Credentials;
using Lakebase.TestUtilities;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;

namespace Lakebase.Npgsql.Tests.Health;

/// <summary>
/// Issue 19, target 4: who waits decides how eagerly to retry. The readiness probe's fetch has nobody waiting on it, so a
/// 429 is not retried within a connect timeout (that retry is what doubles a rollout's load): it is remembered for the
/// rate-limited backoff, the instance stays not-ready, and probes inside the window ask the workspace nothing. On a fake clock.
/// </summary>
public sealed class ReadinessRateLimitTests
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_probe_refused_with_429_makes_one_request_stays_not_ready_and_asks_nothing_until_its_backoff_ends()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
        var api = new CredentialApiHandler(clock) { Refuse = true };
        using var http = new HttpClient(api);
        await using var dataSource = RefusedDataSource(clock, http);
        var readiness = new LakebaseReadinessCheck(() => dataSource);

        Assert.Equal(HealthStatus.Unhealthy, (await ProbeAsync(readiness)).Status);
        await Poll.UntilAsync(() => api.Requests == 1 && dataSource.GetCredentialStatus() is { LastError: not null, IsRefreshing: false }, cancellationToken: Ct);
        var retryAt = dataSource.GetCredentialStatus().NextRefreshAt!.Value;
        Assert.True(retryAt - clock.GetUtcNow() >= CredentialApiHandler.RetryAfter, "Retry-After is a floor");

        // Probes inside the window (at least Retry-After plus the 100 ms floor of the jitter, so some always run): no
        // in-line retry, no request, still not ready.
        var step = TimeSpan.FromMilliseconds(100);
        var probes = 0;
        for (; probes < 40 && clock.GetUtcNow() + step < retryAt; probes++)
        {
            clock.Advance(step);
            Assert.Equal(HealthStatus.Unhealthy, (await ProbeAsync(readiness)).Status);
            Assert.False(dataSource.GetCredentialStatus().IsRefreshing);
            Assert.Equal(1, api.Requests);
        }

        Assert.True(probes > 0, "no probe ran inside the backoff window");

        // Once the backoff ends the next probe asks again, and the instance becomes ready.
        api.Refuse = false;
        clock.Advance(retryAt - clock.GetUtcNow());
        await ProbeAsync(readiness);
        await Poll.UntilAsync(() => dataSource.GetCredentialStatus().State == LakebaseCredentialState.Valid, cancellationToken: Ct);
        Assert.Equal(HealthStatus.Healthy, (await ProbeAsync(readiness)).Status);
        Assert.Equal(2, api.Requests);
    }

    [Fact]
    public async Task A_warm_up_refused_with_429_makes_one_request_and_returns_at_once_instead_of_retrying_in_line()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
        var api = new CredentialApiHandler(clock) { Refuse = true };
        using var http = new HttpClient(api);
        await using var dataSource = RefusedDataSource(clock, http);

        // The fake clock does not move: a warm-up that waited for an in-line retry would never return.
        var error = await Assert.ThrowsAsync<LakebaseCredentialException>(() => dataSource.WarmUpAsync(Ct).WaitAsync(TimeSpan.FromSeconds(10), Ct));
        Assert.Equal(LakebaseCredentialError.RateLimited, error.Reason);
        Assert.Equal(1, api.Requests);
        Assert.Equal(LakebaseCredentialState.Unavailable, dataSource.GetCredentialStatus().State); // readiness stays not-ready
    }

    [Fact]
    public async Task After_a_warm_up_refused_with_429_a_users_open_may_ask_again_seconds_later_while_probes_keep_the_long_window()
    {
        // A warm-up without a readiness probe in front of the instance: user requests arrive anyway, and must not
        // fail for the minutes the warm-up's own backoff lasts.
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
        var api = new CredentialApiHandler(clock) { Refuse = true };
        using var http = new HttpClient(api);
        await using var dataSource = RefusedDataSource(clock, http);
        var readiness = new LakebaseReadinessCheck(() => dataSource);
        await Assert.ThrowsAsync<LakebaseCredentialException>(() => dataSource.WarmUpAsync(Ct).WaitAsync(TimeSpan.FromSeconds(10), Ct));
        Assert.Equal(1, api.Requests);

        // Retry-After (1 s) plus the transient window's jitter (under 1 s) later: a probe still asks nothing...
        api.Refuse = false;
        clock.Advance(CredentialApiHandler.RetryAfter + TimeSpan.FromSeconds(1.1));
        Assert.Equal(HealthStatus.Unhealthy, (await ProbeAsync(readiness)).Status);
        Assert.Equal(1, api.Requests);

        // ...but what a user's open would log in with is asked for, and the instance is ready from then on.
        var credential = await dataSource.GetDatabaseCredentialAsync(Ct);
        Assert.Equal("app", credential.Username);
        Assert.Equal(2, api.Requests);
        Assert.Equal(HealthStatus.Healthy, (await ProbeAsync(readiness)).Status);
    }

    // A data source whose workspace refuses (429) until told otherwise; the host is set, so nothing is looked up.
    private static LakebaseDataSource RefusedDataSource(FakeTimeProvider clock, HttpClient http) =>
        new LakebaseDataSourceBuilder("projects/p/branches/b/endpoints/e", new LakebaseOAuthOptions { WorkspaceHost = "https://workspace.example", Token = "dapi0123456789abcdef0123456789abcdef" })
            .Host("db.example").Username("app").ConnectTimeout(ConnectTimeout).UseHttpClient(http).UseTimeProvider(clock).ReadEnvironment(false)
            .WithVariables(_ => null)
            .Build();

    private static Task<HealthCheckResult> ProbeAsync(LakebaseReadinessCheck check) =>
        check.CheckHealthAsync(new HealthCheckContext { Registration = new HealthCheckRegistration("ready", check, HealthStatus.Unhealthy, ["ready"]) }, Ct);
}
