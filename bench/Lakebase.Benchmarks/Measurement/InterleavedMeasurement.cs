using Lakebase.Benchmarks.Variants;

namespace Lakebase.Benchmarks.Measurement;

/// <summary>
/// What one variant did across all slices of an interleaved measurement. <c>RoundP99Ms</c> is each slice's p99,
/// interpolated between ranks: a slice holds about a hundred opens, where nearest rank jumps from the second-slowest to
/// the slowest as the count drops below 101, and a variant a little slower than another would cross first.
/// </summary>
internal sealed record InterleavedFigures(
    VariantKind Variant, double OpsPerSecond, double RatioToStatic, LatencySummary Latency, long Operations, long Failures,
    string? FirstError, double SecondsMeasured, double RatioP25, double RatioP75, double CpuUsPerOp, double AllocatedKbPerOp,
    IReadOnlyList<double> RoundOpsPerSecond, IReadOnlyList<double> RoundP99Ms);

/// <summary>One variant's slices, in round order, and the client-side cost this process spent in them.</summary>
internal sealed class SliceSeries
{
    public List<LoadResult> Slices { get; } = [];

    public TimeSpan Cpu { get; set; }

    public long AllocatedBytes { get; set; }

    private long Attempts => Math.Max(1, Slices.Sum(r => r.Operations + r.Failures));

    public double CpuUsPerOp => Cpu.TotalMicroseconds / Attempts;

    public double AllocatedKbPerOp => AllocatedBytes / 1024.0 / Attempts;

    /// <summary>This series' ops/s divided by <paramref name="baseline"/>'s, round by round, sorted (for median and quartiles).</summary>
    public double[] SortedRatiosTo(SliceSeries baseline) =>
        [.. Slices.Zip(baseline.Slices, (m, b) => m.OpsPerSecond / b.OpsPerSecond).Order()];
}

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
        Action<string> progress, CancellationToken ct, Func<ConnectionVariant, CancellationToken, Task>? beforeSlice = null)
    {
        var slices = await RunSlicesAsync(
            [.. variants.Select(v => v.Kind)], rounds, slice, workers, kind => operationFor(variants.First(v => v.Kind == kind)), progress, ct,
            beforeSlice is null ? null : (kind, c) => beforeSlice(variants.First(v => v.Kind == kind), c)).ConfigureAwait(false);
        var baseline = slices[VariantKind.StaticPassword];
        return [.. variants.OrderBy(v => v.Kind).Select(v =>
        {
            var series = slices[v.Kind];
            var mine = series.Slices;
            var ratios = series.SortedRatiosTo(baseline);
            return new InterleavedFigures(
                v.Kind,
                Median.Of(mine.Select(r => r.OpsPerSecond)),
                Median.Of(ratios),
                LatencySummary.From([.. mine.SelectMany(r => r.LatenciesMs)]),
                mine.Sum(r => r.Operations),
                mine.Sum(r => r.Failures),
                mine.Select(r => r.FirstError).FirstOrDefault(e => e is not null),
                mine.Sum(r => r.Elapsed.TotalSeconds),
                Median.Quantile(ratios, 0.25),
                Median.Quantile(ratios, 0.75),
                series.CpuUsPerOp,
                series.AllocatedKbPerOp,
                [.. mine.Select(r => r.OpsPerSecond)],
                [.. mine.Select(r => Median.Quantile([.. r.LatenciesMs.Order()], 0.99))]);
        })];
    }

    /// <summary>
    /// The interleaving itself, for any set of variants: one slice per variant per round, order rotated.
    /// <paramref name="beforeSlice"/> runs untimed and uncounted before each slice (e.g. an open that brings an idle
    /// variant's credential up to date, so the slice measures the steady state, not the return from a pause).
    /// </summary>
    public static async Task<IReadOnlyDictionary<TVariant, SliceSeries>> RunSlicesAsync<TVariant>(
        IReadOnlyList<TVariant> variants, int rounds, TimeSpan slice, int workers,
        Func<TVariant, Func<int, long, CancellationToken, Task<TimeSpan>>> operationFor,
        Action<string> progress, CancellationToken ct, Func<TVariant, CancellationToken, Task>? beforeSlice = null)
        where TVariant : notnull
    {
        var series = variants.ToDictionary(v => v, _ => new SliceSeries());
        for (var round = 0; round < rounds; round++)
        {
            progress($"  round {round + 1}/{rounds}");
            foreach (var variant in VariantFactory.InterleavedOrder(variants, round))
            {
                // This process's CPU time and allocations per operation barely move with other processes' load, unlike
                // throughput: they attribute client-side cost (emulator front included, identical for all variants).
                // Precise counts: the imprecise ones miss up to a few KB per thread's allocation context, which at one
                // worker's few hundred operations per slice is tenths of a KB per operation.
                var mine = series[variant];
                if (beforeSlice is not null)
                {
                    await beforeSlice(variant, ct).ConfigureAwait(false);
                }

                var cpuBefore = CpuClock.ProcessNs();
                var bytesBefore = GC.GetTotalAllocatedBytes(precise: true);
                mine.Slices.Add(await LoadRunner.RunAsync(workers, slice, operationFor(variant), ct).ConfigureAwait(false));
                mine.Cpu += TimeSpan.FromTicks((CpuClock.ProcessNs() - cpuBefore) / 100);
                mine.AllocatedBytes += GC.GetTotalAllocatedBytes(precise: true) - bytesBefore;
            }
        }

        return series;
    }
}
