using System.Diagnostics;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Lakebase.Npgsql.Tests.Telemetry;

/// <summary>AddLakebaseInstrumentation(): what an OpenTelemetry exporter receives.</summary>
[Collection(TelemetryCollection.Name)]
public sealed class OpenTelemetryTests(EmulatorFixture fixture) : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_exporter_sees_the_refresh_span_the_request_counter_and_the_credentials_time_left_and_age()
    {
        var activities = new List<Activity>();
        var metrics = new List<MetricSnapshot>();
        using var tracing = Sdk.CreateTracerProviderBuilder().AddLakebaseInstrumentation().AddInMemoryExporter(activities).Build();
        using var meters = Sdk.CreateMeterProviderBuilder().AddLakebaseInstrumentation().AddInMemoryExporter(metrics).Build();

        var principal = await fixture.NewPrincipalAsync();
        await using var dataSource = fixture.Builder(principal).Build();
        await using (var connection = await dataSource.OpenConnectionAsync(Ct))
        {
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync(Ct);
        }

        tracing.ForceFlush();
        meters.ForceFlush();

        // Stop the exporters before reading their lists: the listeners are process-wide, so spans and metric exports
        // from other tests' data sources would otherwise keep appending while the assertions enumerate.
        tracing.Dispose();
        meters.Dispose();

        var refresh = Assert.Single(activities, a => a.OperationName == "lakebase.credential.refresh" && Equals(a.GetTagItem("lakebase.endpoint"), $"Lakebase endpoint {fixture.Emulator.EndpointName}") && Equals(a.GetTagItem("lakebase.trigger"), "initial") && a.StartTimeUtc >= DateTime.UtcNow.AddMinutes(-1));
        Assert.Equal(ActivityStatusCode.Unset, refresh.Status);
        Assert.Contains(activities, a => a.Source.Name == "Npgsql"); // Npgsql's command span, through Npgsql.OpenTelemetry

        Assert.Contains(metrics, m => m.Name == "lakebase.credential.requests");
        Assert.Contains(metrics, m => m.Name == "lakebase.credential.request.duration");
        var timeLeft = GaugeValues(metrics, "lakebase.credential.time_to_expiry");
        Assert.Contains(timeLeft, v => v > 50 * 60 && v <= 60 * 60); // a fresh 60-minute credential
        var age = GaugeValues(metrics, "lakebase.credential.age");
        Assert.Contains(age, v => v >= 0 && v < 60);
    }

    public void Dispose() => fixture.AssertNoSecretsLogged();

    private static List<double> GaugeValues(List<MetricSnapshot> metrics, string name)
    {
        var values = new List<double>();
        foreach (var metric in metrics.Where(m => m.Name == name))
        {
            foreach (var point in metric.MetricPoints)
            {
                values.Add(point.GetGaugeLastValueDouble());
            }
        }

        Assert.NotEmpty(values);
        return values;
    }
}

/// <summary>
/// The OpenTelemetry listeners are process-wide: spans of other collections' data sources (the read-replica emulator
/// uses the same endpoint name) would land in this test's exporter, so it runs alone, with an emulator of its own.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TelemetryCollection : ICollectionFixture<EmulatorFixture>
{
    public const string Name = "telemetry (alone)";
}
