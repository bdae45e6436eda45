using System.Diagnostics;
using Lakebase.Benchmarks.Data;
using Lakebase.Benchmarks.Environment;
using Lakebase.Benchmarks.Measurement;
using Lakebase.Benchmarks.Reporting;
using Lakebase.Benchmarks.Variants;

namespace Lakebase.Benchmarks.Scenarios;

/// <summary>Which server a route's connections reached, checked once per route after its warm-up.</summary>
internal sealed record ServedBy(string Host, bool InRecovery)
{
    public string Role => InRecovery ? "standby" : "primary";
}

/// <summary>
/// Scenario 6 figures for one route at one concurrency; <c>RatioToPrimary</c> and its quartiles are over the per-round
/// ratios to (p) in the same round.
/// </summary>
internal sealed record ReadRoutingFigures(
    ReadRoute Route, int Workers, ServedBy ServedBy, double OpsPerSecond, double RatioToPrimary, double RatioP25, double RatioP75,
    double P50Ms, double P99Ms, long Operations, long Failures, string? FirstError, double CpuUsPerOp);

/// <summary>Everything scenario 6 measured, with the conditions it ran under (it gets its own emulator).</summary>
internal sealed record ReadRoutingResult(
    IReadOnlyList<ReadRoutingFigures> Figures, string PrimaryHost, string StandbyHost, TimeSpan EmulatorStartup, DateTimeOffset StartedAt,
    TimeSpan Elapsed, string LoadAverageAtStart, string LoadAverageAtEnd);

/// <summary>
/// Scenario 6: read throughput through <c>WithTargetSession(PreferStandby)</c> with readable secondaries on (s) against a
/// plain LakebaseDataSource on the primary alone (p), interleaved slices at each concurrency. It starts its own emulator
/// with the read replica (a real hot standby), so no other scenario runs beside a standby replaying its writes.
/// </summary>
internal static class ReadRoutingScenario
{
    public static async Task<ReadRoutingResult> RunAsync(ScenarioContext context, CancellationToken ct)
    {
        var settings = context.Settings;
        var startedAt = DateTimeOffset.UtcNow;
        var started = Stopwatch.StartNew();
        var loadAtStart = MachineInfo.LoadAverage();
        context.Progress("scenario 6: starting an emulator with a read replica (hot standby), seeding, waiting for the standby to replay");
        await using var environment = await BenchEnvironment.StartAsync(settings.ApiLatency, ct, readReplica: true).ConfigureAwait(false);
        var results = new List<ReadRoutingFigures>();
        foreach (var workers in settings.CrudWorkers)
        {
            var variants = new List<ReadRouteVariant>();
            try
            {
                var random = Enumerable.Range(0, workers).Select(w => new Random(w)).ToArray();
                Func<int, long, CancellationToken, Task<TimeSpan>> OperationFor(ReadRoute route) =>
                    LoadRunner.Timed((w, i, c) => ReadWorkload.RunAsync(variants.First(v => v.Route == route).DataSource, i, random[w], c));

                var servedBy = new Dictionary<ReadRoute, ServedBy>();
                foreach (var route in ReadRouteExtensions.All)
                {
                    var variant = new ReadRouteVariant(route, environment, $"bench-{route.Letter()}-{workers}");
                    variants.Add(variant);

                    // First use: host discovery and the credential (one API round trip each), then a full pool.
                    var (host, inRecovery) = await ReadWorkload.ServedByAsync(variant.DataSource, ct).ConfigureAwait(false);
                    servedBy[route] = new ServedBy(host, inRecovery);
                    _ = await LoadRunner.RunAsync(workers, settings.WarmupDuration, OperationFor(route), ct).ConfigureAwait(false);
                }

                context.Progress($"scenario 6, {workers} workers: {settings.Runs} rounds of {Format.Duration(settings.ReadRoutingDuration)} slices per route");
                var slices = await InterleavedMeasurement.RunSlicesAsync(ReadRouteExtensions.All, settings.Runs, settings.ReadRoutingDuration, workers, OperationFor, context.Progress, ct).ConfigureAwait(false);
                var primary = slices[ReadRoute.PrimaryAlone];
                results.AddRange(ReadRouteExtensions.All.Select(route =>
                {
                    var series = slices[route];
                    var mine = series.Slices;
                    var ratios = series.SortedRatiosTo(primary);
                    var latency = LatencySummary.From([.. mine.SelectMany(r => r.LatenciesMs)]);
                    return new ReadRoutingFigures(
                        route, workers, servedBy[route],
                        Median.Of(mine.Select(r => r.OpsPerSecond)),
                        Median.Of(ratios), Median.Quantile(ratios, 0.25), Median.Quantile(ratios, 0.75),
                        latency.P50Ms, latency.P99Ms,
                        mine.Sum(r => r.Operations), mine.Sum(r => r.Failures),
                        mine.Select(r => r.FirstError).FirstOrDefault(e => e is not null),
                        series.CpuUsPerOp);
                }));
            }
            finally
            {
                foreach (var variant in variants)
                {
                    await variant.DisposeAsync().ConfigureAwait(false);
                }
            }
        }

        return new ReadRoutingResult(results, environment.Emulator.Host, environment.Emulator.ReadOnlyHost, environment.Emulator.StartupTime, startedAt, started.Elapsed, loadAtStart, MachineInfo.LoadAverage());
    }
}
