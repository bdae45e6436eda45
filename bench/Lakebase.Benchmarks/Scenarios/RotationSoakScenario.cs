using Lakebase.Benchmarks.Data;
using Lakebase.Benchmarks.Measurement;
using Lakebase.Benchmarks.Variants;

namespace Lakebase.Benchmarks.Scenarios;

/// <summary>Scenario 4 figures: one variant at one token lifetime.</summary>
internal sealed record SoakFigures(
    VariantKind Variant, TimeSpan TokenLifetime, double OpsPerSecond, double P99Ms, long Operations, long Failures,
    long CredentialRequests, double Seconds, string? FirstError, long LoginsRejected = 0, string? PluginRequests = null);

/// <summary>
/// Scenario 4: CRUD at 16 workers with pooling off, so every operation is a fresh login that needs a currently
/// valid token, while tokens live 3 s (about 20 rotations a minute) and, for comparison, 60 minutes. A pooled
/// workload would hide rotation entirely: Lakebase checks the token only at login. The token lifetime is an
/// emulator-wide setting, so the cases run one after another; (b)'s 60-minute case is split into two halves that
/// bracket its 3 s case, so drifting background load does not favour either.
/// </summary>
internal static class RotationSoakScenario
{
    public static async Task<IReadOnlyList<SoakFigures>> RunAsync(ScenarioContext context, CancellationToken ct)
    {
        var settings = context.Settings;
        var full = settings.SoakDuration;
        var half = full / 2;
        (VariantKind Kind, TimeSpan Ttl, TimeSpan Duration)[] cases =
        [
            (VariantKind.StaticPassword, settings.SoakLongTtl, full),
            (VariantKind.UseLakebase, settings.SoakLongTtl, half),
            (VariantKind.UseLakebase, settings.SoakShortTtl, full),
            (VariantKind.UseLakebase, settings.SoakLongTtl, half),
            (VariantKind.GuidePerConnection, settings.SoakLongTtl, full),
            (VariantKind.GuidePerConnection, settings.SoakShortTtl, full),
        ];

        var segments = new List<(SoakFigures Figures, List<double> Latencies)>();
        try
        {
            foreach (var (kind, ttl, duration) in cases)
            {
                context.Progress($"scenario 4: {kind.Label()}, token TTL {Format.Duration(ttl)}, {duration.TotalSeconds:0} s");
                context.Environment.Emulator.Faults.TokenLifetimeOverride = ttl;
                segments.Add(await MeasureAsync(context, kind, ttl, duration, ct).ConfigureAwait(false));
            }
        }
        finally
        {
            context.Environment.ResetFaults();
        }

        // Merge split cases: totals over their combined time.
        return [.. segments.GroupBy(s => (s.Figures.Variant, s.Figures.TokenLifetime)).Select(g =>
        {
            var seconds = g.Sum(s => s.Figures.Seconds);
            var operations = g.Sum(s => s.Figures.Operations);
            return new SoakFigures(g.Key.Variant, g.Key.TokenLifetime, operations / seconds,
                LatencySummary.From([.. g.SelectMany(s => s.Latencies)]).P99Ms, operations, g.Sum(s => s.Figures.Failures),
                g.Sum(s => s.Figures.CredentialRequests), seconds, g.Select(s => s.Figures.FirstError).FirstOrDefault(e => e is not null),
                g.Sum(s => s.Figures.LoginsRejected), string.Join(" + ", g.Select(s => s.Figures.PluginRequests).Where(p => p is not null)));
        })];
    }

    private static async Task<(SoakFigures, List<double>)> MeasureAsync(ScenarioContext context, VariantKind kind, TimeSpan ttl, TimeSpan duration, CancellationToken ct)
    {
        var settings = context.Settings;
        await using var variant = VariantFactory.Create(kind, context.Environment, VariantOptions.Unpooled);
        var random = Enumerable.Range(0, settings.SoakWorkers).Select(w => new Random(w)).ToArray();
        var operation = LoadRunner.Timed((w, i, c) => CrudWorkload.RunAsync(variant.CreateOptions(), i, random[w], c));
        await VariantWarmup.RunAsync(variant, crud: true, ct).ConfigureAwait(false);
        _ = await LoadRunner.RunAsync(settings.SoakWorkers, settings.WarmupDuration, operation, ct).ConfigureAwait(false);
        var before = context.CredentialRequests;
        var rejectedBefore = context.Environment.Emulator.Counters.LoginsRejected;
        using var tally = new CredentialTelemetryTally();
        var load = await LoadRunner.RunAsync(settings.SoakWorkers, duration, operation, ct).ConfigureAwait(false);
        return (new SoakFigures(kind, ttl, load.OpsPerSecond, load.Latency.P99Ms, load.Operations, load.Failures,
            context.CredentialRequests - before, load.Elapsed.TotalSeconds, load.FirstError,
            context.Environment.Emulator.Counters.LoginsRejected - rejectedBefore,
            kind == VariantKind.UseLakebase ? tally.Describe() : null), load.LatenciesMs);
    }
}
