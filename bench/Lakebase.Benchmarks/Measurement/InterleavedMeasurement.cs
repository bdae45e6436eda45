using System.Diagnostics;
using Lakebase.Benchmarks.Variants;

namespace Lakebase.Benchmarks.Measurement;

/// <summary>What one variant did across all slices of an interleaved measurement.</summary>
internal sealed record InterleavedFigures(
    VariantKind Variant, double OpsPerSecond, double RatioToStatic, LatencySummary Latency, long Operations, long Failures,
    string? FirstError, double SecondsMeasured, double RatioP25, double RatioP75, double CpuUsPerOp, double AllocatedKbPerOp,
    IReadOnlyList<double> RoundOpsPerSecond);

/// <summary>
/// Runs the variants in short alternating slices (order rotated every round) instead of one long block each.
/// On a shared 2-core machine the background load drifts; neighbouring slices see nearly the same load, so the
/// per-round ratio to (a) is compared (median over rounds), and a burst of foreign load hits all variants alike.
/// </summary>
internal static class InterleavedMeasurement
{
    public static async Task<IReadOnlyList<InterleavedFigures>> RunAsync(
        IReadOnlyList<ConnectionVariant> variants, int rounds, TimeSpan slice, int workers,
        Func<ConnectionVariant, Func<int, long, CancellationToken, Task<TimeSpan>>> operationFor,
        Action<string> progress, CancellationToken ct)
    {
        var slices = variants.ToDictionary(v => v.Kind, _ => new List<LoadResult>());
        var cost = variants.ToDictionary(v => v.Kind, _ => (Cpu: TimeSpan.Zero, Bytes: 0L));
        using var process = Process.GetCurrentProcess();
        var kinds = variants.Select(v => v.Kind).ToList();
        for (var round = 0; round < rounds; round++)
        {
            progress($"  round {round + 1}/{rounds}");
            foreach (var kind in VariantFactory.InterleavedOrder(kinds, round))
            {
                var variant = variants.First(v => v.Kind == kind);

                // This process's CPU time and allocations per operation barely move with other processes' load, unlike
                // throughput: they attribute client-side cost (emulator front included, identical for all variants).
                process.Refresh();
                var cpuBefore = process.TotalProcessorTime;
                var bytesBefore = GC.GetTotalAllocatedBytes(precise: false);
                slices[kind].Add(await LoadRunner.RunAsync(workers, slice, operationFor(variant), ct).ConfigureAwait(false));
                process.Refresh();
                cost[kind] = (cost[kind].Cpu + (process.TotalProcessorTime - cpuBefore), cost[kind].Bytes + (GC.GetTotalAllocatedBytes(precise: false) - bytesBefore));
            }
        }

        var baseline = slices[VariantKind.StaticPassword];
        return [.. variants.OrderBy(v => v.Kind).Select(v =>
        {
            var mine = slices[v.Kind];
            var latencies = mine.SelectMany(r => r.LatenciesMs).ToList();
            var ratios = mine.Zip(baseline, (m, b) => m.OpsPerSecond / b.OpsPerSecond).Order().ToArray();
            return new InterleavedFigures(
                v.Kind,
                Median.Of(mine.Select(r => r.OpsPerSecond)),
                Median.Of(ratios),
                LatencySummary.From(latencies),
                mine.Sum(r => r.Operations),
                mine.Sum(r => r.Failures),
                mine.Select(r => r.FirstError).FirstOrDefault(e => e is not null),
                mine.Sum(r => r.Elapsed.TotalSeconds),
                Median.Quantile(ratios, 0.25),
                Median.Quantile(ratios, 0.75),
                cost[v.Kind].Cpu.TotalMicroseconds / Math.Max(1, mine.Sum(r => r.Operations + r.Failures)),
                cost[v.Kind].Bytes / 1024.0 / Math.Max(1, mine.Sum(r => r.Operations + r.Failures)),
                [.. mine.Select(r => r.OpsPerSecond)]);
        })];
    }
}
