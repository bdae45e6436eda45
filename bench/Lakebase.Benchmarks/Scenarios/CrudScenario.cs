using Lakebase.Benchmarks.Data;
using Lakebase.Benchmarks.Measurement;
using Lakebase.Benchmarks.Variants;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

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
/// <param name="Figures">Every variant's figures at every concurrency.</param>
/// <param name="ContextPathCost">(b)'s per-operation client cost against (a₀), paired on one thread.</param>
/// <param name="ExtensionCost">The same for (a₀) with an options extension that does nothing: EF Core's own share.</param>
internal sealed record CrudResult(IReadOnlyList<CrudFigures> Figures, ContextPathCostFigures? ContextPathCost, ContextPathCostFigures? ExtensionCost);

/// <summary>
/// Scenario 2: EF Core CRUD through a pool (the steady state of a web app) at each worker count (1, 8 and 32 unless --workers), the
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
        ContextPathCostFigures? contextPath = null, extension = null;
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

                context.Progress($"scenario 2, {workers} workers: {settings.CrudRuns} rounds of {Format.Duration(settings.CrudDuration)} slices per variant");
                var figures = await InterleavedMeasurement.RunAsync(variants, settings.CrudRuns, settings.CrudDuration, workers, OperationFor, context.Progress, ct).ConfigureAwait(false);
                results.AddRange(figures.Select(f => new CrudFigures(f.Variant, workers, f.OpsPerSecond, f.RatioToStatic, f.Latency.P99Ms, f.Operations, f.Failures, f.FirstError, f.RatioP25, f.RatioP75, f.CpuUsPerOp, f.AllocatedKbPerOp, f.RoundOpsPerSecond)));
                if (contextPath is null)
                {
                    context.Progress($"scenario 2: the per-operation path of (b), and of (a₀) with an empty options extension, against (a₀), {settings.ContextPathRounds} paired rounds each on one thread");
                    var bare = variants.Single(v => v.Kind == VariantKind.BareStaticPassword);
                    var lakebase = variants.Single(v => v.Kind == VariantKind.UseLakebase);
                    contextPath = await ContextPathCost.MeasureAsync(
                        VariantKind.UseLakebase.Label(), lakebase.CreateOptions, VariantKind.BareStaticPassword.Label(), bare.CreateOptions, settings.ContextPathRounds, ct).ConfigureAwait(false);
                    extension = await ContextPathCost.MeasureAsync(
                        $"{VariantKind.BareStaticPassword.Label()} + an options extension that does nothing", () => WithEmptyExtension(bare.CreateOptions()),
                        VariantKind.BareStaticPassword.Label(), bare.CreateOptions, settings.ContextPathRounds, ct).ConfigureAwait(false);
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

        return new CrudResult(results, contextPath, extension);
    }

    private static DbContextOptions<BenchContext> WithEmptyExtension(DbContextOptions<BenchContext> options)
    {
        var builder = new DbContextOptionsBuilder<BenchContext>(options);
        ((IDbContextOptionsBuilderInfrastructure)builder).AddOrUpdateExtension(EmptyOptionsExtension.Instance);
        return builder.Options;
    }
}
