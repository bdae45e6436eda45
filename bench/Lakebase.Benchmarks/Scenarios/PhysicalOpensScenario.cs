using Lakebase.Benchmarks.Measurement;
using Lakebase.Benchmarks.Variants;

namespace Lakebase.Benchmarks.Scenarios;

/// <summary>Scenario 1 figures for one variant.</summary>
internal sealed record OpensFigures(
    VariantKind Variant, double OpensPerSecond, double RatioToStatic, double P50Ms, double P99Ms, long Opens, long CredentialRequests,
    double RequestsPer1000Opens, double SecondsMeasured, long Failures, string? FirstError, IReadOnlyList<double> RoundP99Ms)
{
    /// <summary>
    /// This variant's p99 open divided by <paramref name="baseline"/>'s, round by round (the two measured seconds apart),
    /// sorted: a load spike on the machine lands in one variant's slice and moves the pooled p99 of a thousand opens by
    /// itself, while the per-round ratios it spoils are only one of the rounds. A round where either had no successful
    /// open has no ratio.
    /// </summary>
    public double[] SortedP99RatiosTo(OpensFigures baseline) =>
        [.. RoundP99Ms.Zip(baseline.RoundP99Ms, (m, t) => m / t).Where(double.IsFinite).Order()];
}

/// <summary>
/// Scenario 1: physical connection opens, pooling off, one after another, the three variants in interleaved slices.
/// Each variant starts with a cold credential state, so UseLakebase's single initial fetch is counted (that is its
/// "1 per token lifetime"); every request any variant makes is attributed by reading the counter around its slices.
/// </summary>
internal static class PhysicalOpensScenario
{
    public static async Task<IReadOnlyList<OpensFigures>> RunAsync(ScenarioContext context, CancellationToken ct)
    {
        var settings = context.Settings;
        var variants = new List<ConnectionVariant>();
        var requests = new Dictionary<VariantKind, long>();
        try
        {
            foreach (var kind in VariantFactory.InterleavedOrder(0))
            {
                var variant = VariantFactory.Create(kind, context.Environment, VariantOptions.Unpooled);
                variants.Add(variant);
                var before = context.CredentialRequests;
                await VariantWarmup.RunAsync(variant, crud: false, ct).ConfigureAwait(false);
                requests[kind] = context.CredentialRequests - before;
            }

            context.Progress($"scenario 1: {settings.OpensRuns} rounds of {Format.Duration(settings.OpensDuration)} slices per variant");
            var figures = await InterleavedMeasurement.RunAsync(
                variants, settings.OpensRuns, settings.OpensDuration, workers: 1,
                variant => (_, _, c) => CountingOpen(context, variant, requests, c),
                context.Progress, ct).ConfigureAwait(false);

            return [.. figures.Select(f =>
            {
                var opens = 1 + f.Operations + f.Failures;
                var made = requests[f.Variant];
                return new OpensFigures(f.Variant, f.OpsPerSecond, f.RatioToStatic, f.Latency.P50Ms, f.Latency.P99Ms, opens, made,
                    made * 1000.0 / opens, f.SecondsMeasured, f.Failures, f.FirstError, f.RoundP99Ms);
            })];
        }
        finally
        {
            foreach (var variant in variants)
            {
                await variant.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    // Opens run one at a time and nothing else calls the API meanwhile, so the counter delta around an open is its own.
    private static async Task<TimeSpan> CountingOpen(ScenarioContext context, ConnectionVariant variant, Dictionary<VariantKind, long> requests, CancellationToken ct)
    {
        var before = context.CredentialRequests;
        try
        {
            return await OpenConnection.OpenAndCloseAsync(variant, ct).ConfigureAwait(false);
        }
        finally
        {
            requests[variant.Kind] += context.CredentialRequests - before;
        }
    }
}
