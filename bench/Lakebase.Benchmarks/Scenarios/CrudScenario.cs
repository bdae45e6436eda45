using Lakebase.Benchmarks.Data;
using Lakebase.Benchmarks.Measurement;
using Lakebase.Benchmarks.Variants;

namespace Lakebase.Benchmarks.Scenarios;

/// <summary>
/// Scenario 2 figures for one variant at one concurrency. <c>RoundOpsPerSecond</c> holds the ops/s of each
/// interleaved round, in round order, so that any two variants can be compared round by round.
/// </summary>
internal sealed record CrudFigures(VariantKind Variant, int Workers, double OpsPerSecond, double RatioToStatic, double P99Ms, long Operations, long Failures, string? FirstError, double RatioP25 = double.NaN, double RatioP75 = double.NaN, double CpuUsPerOp = double.NaN, double AllocatedKbPerOp = double.NaN, IReadOnlyList<double>? RoundOpsPerSecond = null)
{
    /// <summary>The median over rounds of this variant's ops/s divided by <paramref name="other"/>'s in the same round.</summary>
    public double PairedRatioTo(CrudFigures other) =>
        RoundOpsPerSecond is { } mine && other.RoundOpsPerSecond is { } theirs ? Median.Of(mine.Zip(theirs, (m, t) => m / t)) : double.NaN;
}

/// <summary>Scenario 2's result: the interleaved slices' figures and (b)'s paired per-context path cost against (a₀).</summary>
internal sealed record CrudResult(IReadOnlyList<CrudFigures> Figures, ContextPathCostFigures? ContextPathCost);

/// <summary>
/// Scenario 2: EF Core CRUD through a pool (the steady state of a web app) at 1, 8 and 32 concurrent workers, the
/// variants in interleaved slices. The warm-up fills each pool, so the slices show the per-operation cost. (a) runs
/// under the same default execution strategy as (b), so (b)/(a) is what Lakebase adds; (a₀), bare UseNpgsql, joins
/// so that the strategy's own cost, and (b) against bare UseNpgsql, are measured in the same rounds. After the first
/// concurrency's slices, (b)'s per-operation client cost against (a₀) is measured paired on one thread (<see cref="ContextPathCost"/>).
/// </summary>
internal static class CrudScenario
{
    private static readonly VariantKind[] Kinds = [.. VariantKindExtensions.Compared, VariantKind.BareStaticPassword];

    public static async Task<CrudResult> RunAsync(ScenarioContext context, CancellationToken ct)
    {
        var settings = context.Settings;
        var results = new List<CrudFigures>();
        ContextPathCostFigures? contextPath = null;
        foreach (var workers in settings.CrudWorkers)
        {
            var variants = new List<ConnectionVariant>();
            try
            {
                var random = Enumerable.Range(0, workers).Select(w => new Random(w)).ToArray();
                Func<int, long, CancellationToken, Task<TimeSpan>> OperationFor(ConnectionVariant variant) =>
                    LoadRunner.Timed((w, i, c) => CrudWorkload.RunAsync(variant.CreateOptions(), i, random[w], c));

                foreach (var kind in Kinds)
                {
                    var variant = VariantFactory.Create(kind, context.Environment, VariantOptions.Pooled);
                    variants.Add(variant);
                    await VariantWarmup.RunAsync(variant, crud: true, ct).ConfigureAwait(false);
                    context.RecordSettings(2, variant);
                    _ = await LoadRunner.RunAsync(workers, settings.WarmupDuration, OperationFor(variant), ct).ConfigureAwait(false);
                }

                context.Progress($"scenario 2, {workers} workers: {settings.Runs} rounds of {Format.Duration(settings.CrudDuration)} slices per variant");
                var figures = await InterleavedMeasurement.RunAsync(variants, settings.Runs, settings.CrudDuration, workers, OperationFor, context.Progress, ct).ConfigureAwait(false);
                results.AddRange(figures.Select(f => new CrudFigures(f.Variant, workers, f.OpsPerSecond, f.RatioToStatic, f.Latency.P99Ms, f.Operations, f.Failures, f.FirstError, f.RatioP25, f.RatioP75, f.CpuUsPerOp, f.AllocatedKbPerOp, f.RoundOpsPerSecond)));
                if (contextPath is null)
                {
                    context.Progress($"scenario 2: (b)'s per-context path against (a₀), {settings.ContextPathRounds} paired rounds on one thread");
                    contextPath = await ContextPathCost.MeasureAsync(
                        variants.Single(v => v.Kind == VariantKind.UseLakebase), variants.Single(v => v.Kind == VariantKind.BareStaticPassword),
                        settings.ContextPathRounds, ct).ConfigureAwait(false);
                }
            }
            finally
            {
                foreach (var variant in variants)
                {
                    await variant.DisposeAsync().ConfigureAwait(false);
                }
            }
        }

        return new CrudResult(results, contextPath);
    }
}
