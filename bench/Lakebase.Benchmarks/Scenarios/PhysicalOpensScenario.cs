using Lakebase.Benchmarks.Measurement;
using Lakebase.Benchmarks.Variants;

namespace Lakebase.Benchmarks.Scenarios;

/// <summary>Scenario 1 figures for one variant (median over runs).</summary>
internal sealed record OpensFigures(
    VariantKind Variant, double OpensPerSecond, double P50Ms, double P99Ms, long Opens, long CredentialRequests,
    double RequestsPer1000Opens, double SecondsMeasured, long Failures, string? FirstError, int Measurements = 1, long MaxRequestsPerMeasurement = 0);

/// <summary>
/// Scenario 1: physical connection opens, pooling off, one after another. Each measurement starts from a cold
/// credential state, so UseLakebase's single initial fetch is counted (that is its "1 per token lifetime").
/// </summary>
internal static class PhysicalOpensScenario
{
    public static async Task<IReadOnlyList<OpensFigures>> RunAsync(ScenarioContext context, CancellationToken ct)
    {
        var settings = context.Settings;
        var runs = new List<OpensFigures>();
        for (var run = 0; run < settings.Runs; run++)
        {
            foreach (var kind in VariantFactory.InterleavedOrder(run))
            {
                context.Progress($"scenario 1 run {run + 1}/{settings.Runs}: {kind.Label()}");
                runs.Add(await MeasureAsync(context, kind, ct).ConfigureAwait(false));
            }
        }

        return [.. runs.GroupBy(r => r.Variant).OrderBy(g => g.Key).Select(g => Summarize(g.ToList()))];
    }

    private static async Task<OpensFigures> MeasureAsync(ScenarioContext context, VariantKind kind, CancellationToken ct)
    {
        await using var variant = VariantFactory.Create(kind, context.Environment, VariantOptions.Unpooled);
        var before = context.CredentialRequests;
        await VariantWarmup.RunAsync(variant, crud: false, ct).ConfigureAwait(false);
        var warmup = await LoadRunner.RunAsync(1, context.Settings.WarmupDuration, (_, _, c) => OpenConnection.OpenAndCloseAsync(variant, c), ct).ConfigureAwait(false);
        var load = await LoadRunner.RunAsync(1, context.Settings.OpensDuration, (_, _, c) => OpenConnection.OpenAndCloseAsync(variant, c), ct).ConfigureAwait(false);
        var requests = context.CredentialRequests - before;
        var opens = 1 + warmup.Operations + warmup.Failures + load.Operations + load.Failures;
        return new OpensFigures(
            kind, load.OpsPerSecond, load.Latency.P50Ms, load.Latency.P99Ms, opens, requests,
            opens == 0 ? double.NaN : requests * 1000.0 / opens, (context.Settings.WarmupDuration + load.Elapsed).TotalSeconds,
            warmup.Failures + load.Failures, warmup.FirstError ?? load.FirstError, 1, requests);
    }

    private static OpensFigures Summarize(List<OpensFigures> runs) => new(
        runs[0].Variant,
        Median.Of(runs.Select(r => r.OpensPerSecond)),
        Median.Of(runs.Select(r => r.P50Ms)),
        Median.Of(runs.Select(r => r.P99Ms)),
        runs.Sum(r => r.Opens),
        runs.Sum(r => r.CredentialRequests),
        Median.Of(runs.Select(r => r.RequestsPer1000Opens)),
        runs.Max(r => r.SecondsMeasured),
        runs.Sum(r => r.Failures),
        runs.Select(r => r.FirstError).FirstOrDefault(e => e is not null),
        runs.Count,
        runs.Max(r => r.MaxRequestsPerMeasurement));
}
