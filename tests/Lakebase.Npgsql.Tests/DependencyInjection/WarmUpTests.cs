using Lakebase.TestUtilities;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Lakebase.Npgsql.Tests.DependencyInjection;

/// <summary>
/// A first request as fast as the hundredth: with <c>WarmUp</c>, the host's start-up fetches the credential and opens
/// <c>MinPoolSize</c> connections, bounded by <c>WarmUpTimeout</c>; the readiness check says not-ready until a credential
/// is in hand.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class WarmUpTests(EmulatorFixture fixture) : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Start_up_fetches_the_credential_and_opens_min_pool_size_connections_and_readiness_follows()
    {
        var principal = await fixture.NewPrincipalAsync();
        var settings = fixture.Settings(principal);
        settings["Lakebase:WarmUp"] = "true";
        settings["Lakebase:MinPoolSize"] = "2";
        using var host = Build(settings);
        Assert.Equal(0, fixture.Emulator.Counters.CredentialsMintedFor(principal.ClientId)); // building the host asked for nothing

        await host.StartAsync(Ct);
        try
        {
            Assert.Equal(1, fixture.Emulator.Counters.CredentialsMintedFor(principal.ClientId));
            Assert.Equal(HealthStatus.Healthy, (await CheckReadinessAsync(host)).Status);
            Assert.Contains(fixture.Logs.Entries, e => e.EventId.Name == "WarmedUp");

            // The first request finds a pooled, logged-in connection: no credential request, no new session.
            var sessions = fixture.Emulator.Counters.LiveSessions;
            await using var connection = await host.Services.GetRequiredService<LakebaseDataSource>().OpenConnectionAsync(Ct);
            Assert.Equal(sessions, fixture.Emulator.Counters.LiveSessions);
            Assert.Equal(1, fixture.Emulator.Counters.CredentialsMintedFor(principal.ClientId));
        }
        finally
        {
            await host.StopAsync(Ct);
        }
    }

    [Fact]
    public async Task A_warm_up_that_cannot_finish_never_holds_start_up_past_its_timeout()
    {
        var principal = await fixture.NewPrincipalAsync();
        var settings = fixture.Settings(principal);
        settings["Lakebase:WarmUp"] = "true";
        settings["Lakebase:WarmUpTimeout"] = "00:00:01";
        using var host = Build(settings);
        fixture.Emulator.Faults.ApiLatency = TimeSpan.FromSeconds(4);
        try
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            await host.StartAsync(Ct);
            Assert.InRange(System.Diagnostics.Stopwatch.GetElapsedTime(started), TimeSpan.Zero, TimeSpan.FromSeconds(3.5)); // 1 s timeout, not the API's 4 s
            Assert.Contains(fixture.Logs.Entries, e => e.EventId.Name == "WarmUpIncomplete");
            Assert.Equal(HealthStatus.Unhealthy, (await CheckReadinessAsync(host)).Status);
        }
        finally
        {
            fixture.Emulator.Faults.ApiLatency = TimeSpan.Zero;
            await host.StopAsync(Ct);
        }

        // Once the API answers, requests connect as they would have without a warm-up.
        await using var connection = await Poll.UntilSucceedsAsync(
            async () => await host.Services.GetRequiredService<LakebaseDataSource>().OpenConnectionAsync(Ct), cancellationToken: Ct);
        Assert.Equal(HealthStatus.Healthy, (await CheckReadinessAsync(host)).Status);
    }

    [Fact]
    public async Task Readiness_is_false_until_a_credential_is_in_hand_and_asks_for_one_itself_without_any_open()
    {
        // Without a warm-up nothing opens while a load balancer holds traffic off: readiness must not wait on an open.
        var principal = await fixture.NewPrincipalAsync();
        using var host = Build(fixture.Settings(principal));
        await host.StartAsync(Ct);
        try
        {
            Assert.Equal(HealthStatus.Unhealthy, (await CheckReadinessAsync(host)).Status);
            await Poll.UntilSucceedsAsync(
                async () => (await CheckReadinessAsync(host)).Status == HealthStatus.Healthy ? true : throw new InvalidOperationException("not ready yet"),
                cancellationToken: Ct);
            Assert.Equal(1, fixture.Emulator.Counters.CredentialsMintedFor(principal.ClientId));
        }
        finally
        {
            await host.StopAsync(Ct);
        }
    }

    public void Dispose() => fixture.AssertNoSecretsLogged();

    private IHost Build(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddSingleton(fixture.LoggerFactory);
        builder.Services.AddLakebaseDataSource();
        builder.Services.AddHealthChecks().AddLakebaseReadiness();
        return builder.Build();
    }

    private static async Task<HealthReportEntry> CheckReadinessAsync(IHost host)
    {
        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(c => c.Tags.Contains("ready"), Ct);
        return report.Entries["lakebase-ready"];
    }
}
