using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;

namespace Lakebase.Npgsql.Tests.Health;

/// <summary>AddHealthChecks().AddLakebase(): the credential's state as a deployment's health endpoint shows it.</summary>
[Collection(EmulatorCollection.Name)]
public sealed class LakebaseHealthCheckTests(EmulatorFixture fixture) : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Healthy_then_degraded_while_refresh_fails_then_unhealthy_once_the_credential_expired()
    {
        var principal = await fixture.NewPrincipalAsync();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var provider = Services(principal, clock, probe: false).BuildServiceProvider();
        var health = provider.GetRequiredService<HealthCheckService>();

        var report = await health.CheckHealthAsync(Ct);
        Assert.Equal(HealthStatus.Healthy, report.Status);
        Assert.Equal("NotRequested", report.Entries["lakebase"].Data["state"]);

        await using (await provider.GetRequiredService<LakebaseDataSource>().OpenConnectionAsync(Ct))
        {
        }

        report = await health.CheckHealthAsync(Ct);
        Assert.Equal(HealthStatus.Healthy, report.Status);
        Assert.Equal("Valid", report.Entries["lakebase"].Data["state"]);

        // The API goes down; at the refresh point the background refresh fails, but the credential is still valid.
        fixture.Emulator.Faults.StartOutage();
        clock.Advance(TimeSpan.FromMinutes(56));
        report = await WaitForStatusAsync(health, HealthStatus.Degraded);
        var entry = report.Entries["lakebase"];
        Assert.Equal("RefreshFailing", entry.Data["state"]);
        Assert.Contains("refreshing it fails", entry.Description, StringComparison.Ordinal);
        Assert.True(entry.Data.ContainsKey("last_error"));

        // Past its expiry nothing valid is left to serve.
        clock.Advance(TimeSpan.FromMinutes(10));
        report = await WaitForStatusAsync(health, HealthStatus.Unhealthy);
        Assert.Equal("Unavailable", report.Entries["lakebase"].Data["state"]);

        fixture.AssertNoSecretsIn(Describe(report));
    }

    [Fact]
    public async Task The_probe_runs_select_1_and_reports_an_unreachable_api_as_unhealthy_with_the_fix()
    {
        var principal = await fixture.NewPrincipalAsync();
        await using var provider = Services(principal, TimeProvider.System, probe: true).BuildServiceProvider();
        var health = provider.GetRequiredService<HealthCheckService>();

        fixture.Emulator.Faults.StartOutage();
        var report = await health.CheckHealthAsync(Ct);
        Assert.Equal(HealthStatus.Unhealthy, report.Status);
        Assert.Contains("Lakebase probe failed", report.Entries["lakebase"].Description, StringComparison.Ordinal);
        Assert.Contains("temporarily unavailable", report.Entries["lakebase"].Description, StringComparison.Ordinal);

        fixture.Emulator.Faults.EndOutage();
        report = await WaitForStatusAsync(health, HealthStatus.Healthy);
        Assert.Equal("Valid", report.Entries["lakebase"].Data["state"]);
        fixture.AssertNoSecretsIn(Describe(report));
    }

    public void Dispose()
    {
        fixture.Emulator.Faults.Reset();
        fixture.AssertNoSecretsLogged();
    }

    private ServiceCollection Services(Lakebase.Emulator.EmulatedPrincipal principal, TimeProvider clock, bool probe)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(fixture.Settings(principal)).Build());
        services.AddSingleton(fixture.LoggerFactory);
        services.AddSingleton(clock);
        services.AddLakebaseDataSource();
        services.AddHealthChecks().AddLakebase(probeDatabase: probe);
        return services;
    }

    private static async Task<HealthReport> WaitForStatusAsync(HealthCheckService health, HealthStatus expected)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(20));
        while (true)
        {
            var report = await health.CheckHealthAsync(timeout.Token);
            if (report.Status == expected)
            {
                return report;
            }

            await Task.Delay(50, timeout.Token);
        }
    }

    private static string Describe(HealthReport report) =>
        string.Join(Environment.NewLine, report.Entries.Select(e => $"{e.Key} {e.Value.Status} {e.Value.Description} {string.Join(", ", e.Value.Data.Select(d => $"{d.Key}={d.Value}"))}"));
}
