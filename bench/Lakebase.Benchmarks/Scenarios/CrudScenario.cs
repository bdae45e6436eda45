using Lakebase.Benchmarks.Data;
using Lakebase.Benchmarks.Measurement;
using Lakebase.Benchmarks.Variants;

namespace Lakebase.Benchmarks.Scenarios;

/// <summary>Scenario 2 figures for one variant at one concurrency (median over runs).</summary>
internal sealed record CrudFigures(VariantKind Variant, int Workers, double OpsPerSecond, double P99Ms, long Operations, long Failures, string? FirstError);

/// <summary>
/// Scenario 2: EF Core CRUD through a pool (the steady state of a web app) at 1, 8 and 32 concurrent workers.
/// The warm-up fills the pool, so the measured window shows the per-operation cost of each variant.
/// </summary>
internal static class CrudScenario
{
    public static async Task<IReadOnlyList<CrudFigures>> RunAsync(ScenarioContext context, CancellationToken ct)
    {
        var settings = context.Settings;
        var results = new List<CrudFigures>();
        foreach (var workers in settings.CrudWorkers)
        {
            var runs = new List<CrudFigures>();
            for (var run = 0; run < settings.Runs; run++)
            {
                foreach (var kind in VariantFactory.InterleavedOrder(run))
                {
                    context.Progress($"scenario 2, {workers} workers, run {run + 1}/{settings.Runs}: {kind.Label()}");
                    runs.Add(await MeasureAsync(context, kind, workers, run, ct).ConfigureAwait(false));
                }
            }

            results.AddRange(runs.GroupBy(r => r.Variant).OrderBy(g => g.Key).Select(g => new CrudFigures(
                g.Key, workers,
                Median.Of(g.Select(r => r.OpsPerSecond)),
                Median.Of(g.Select(r => r.P99Ms)),
                g.Sum(r => r.Operations),
                g.Sum(r => r.Failures),
                g.Select(r => r.FirstError).FirstOrDefault(e => e is not null))));
        }

        return results;
    }

    private static async Task<CrudFigures> MeasureAsync(ScenarioContext context, VariantKind kind, int workers, int run, CancellationToken ct)
    {
        await using var variant = VariantFactory.Create(kind, context.Environment, VariantOptions.Pooled);
        var random = Enumerable.Range(0, workers).Select(w => new Random((run * 1000) + w)).ToArray();
        var operation = LoadRunner.Timed((w, i, c) => CrudWorkload.RunAsync(variant.CreateOptions(), i, random[w], c));
        await VariantWarmup.RunAsync(variant, crud: true, ct).ConfigureAwait(false);
        var warmup = await LoadRunner.RunAsync(workers, context.Settings.WarmupDuration, operation, ct).ConfigureAwait(false);
        var load = await LoadRunner.RunAsync(workers, context.Settings.CrudDuration, operation, ct).ConfigureAwait(false);
        return new CrudFigures(kind, workers, load.OpsPerSecond, load.Latency.P99Ms, load.Operations, warmup.Failures + load.Failures, warmup.FirstError ?? load.FirstError);
    }
}
