using Lakebase.Benchmarks.Variants;

namespace Lakebase.Benchmarks.Measurement;

/// <summary>What one variant did across all slices of an interleaved measurement.</summary>
internal sealed record InterleavedFigures(
    VariantKind Variant, double OpsPerSecond, double RatioToStatic, LatencySummary Latency, long Operations, long Failures,
    string? FirstError, double SecondsMeasured, double RatioP25, double RatioP75);

/// <summary>
/// Runs the three variants in short alternating slices (order rotated every round) instead of one long block each.
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
        for (var round = 0; round < rounds; round++)
        {
            progress($"  round {round + 1}/{rounds}");
            foreach (var kind in VariantFactory.InterleavedOrder(round))
            {
                var variant = variants.First(v => v.Kind == kind);
                slices[kind].Add(await LoadRunner.RunAsync(workers, slice, operationFor(variant), ct).ConfigureAwait(false));
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
                Median.Quantile(ratios, 0.75));
        })];
    }
}
