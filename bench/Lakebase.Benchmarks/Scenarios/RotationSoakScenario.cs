using Lakebase.Benchmarks.Data;
using Lakebase.Benchmarks.Measurement;
using Lakebase.Benchmarks.Variants;

namespace Lakebase.Benchmarks.Scenarios;

/// <summary>Scenario 4 figures: one variant at one token lifetime.</summary>
internal sealed record SoakFigures(
    VariantKind Variant, TimeSpan TokenLifetime, double OpsPerSecond, double P99Ms, long Operations, long Failures,
    long CredentialRequests, double Seconds, string? FirstError);

/// <summary>
/// Scenario 4: CRUD at 16 workers with pooling off, so every operation is a fresh login that needs a currently
/// valid token, while tokens live 3 s (about 20 rotations a minute) and, for comparison, 60 minutes. A pooled
/// workload would hide rotation entirely: Lakebase checks the token only at login.
/// </summary>
internal static class RotationSoakScenario
{
    public static async Task<IReadOnlyList<SoakFigures>> RunAsync(ScenarioContext context, CancellationToken ct)
    {
        var settings = context.Settings;
        (VariantKind Kind, TimeSpan Ttl)[] cases =
        [
            (VariantKind.StaticPassword, settings.SoakLongTtl),
            (VariantKind.UseLakebase, settings.SoakLongTtl),
            (VariantKind.UseLakebase, settings.SoakShortTtl),
            (VariantKind.GuidePerConnection, settings.SoakLongTtl),
            (VariantKind.GuidePerConnection, settings.SoakShortTtl),
        ];

        var results = new List<SoakFigures>();
        try
        {
            foreach (var (kind, ttl) in cases)
            {
                context.Progress($"scenario 4: {kind.Label()}, token TTL {Format.Duration(ttl)}, {settings.SoakDuration.TotalSeconds:0} s");
                context.Environment.Emulator.Faults.TokenLifetimeOverride = ttl;
                results.Add(await MeasureAsync(context, kind, ttl, ct).ConfigureAwait(false));
            }
        }
        finally
        {
            context.Environment.ResetFaults();
        }

        return results;
    }

    private static async Task<SoakFigures> MeasureAsync(ScenarioContext context, VariantKind kind, TimeSpan ttl, CancellationToken ct)
    {
        var settings = context.Settings;
        await using var variant = VariantFactory.Create(kind, context.Environment, VariantOptions.Unpooled);
        var random = Enumerable.Range(0, settings.SoakWorkers).Select(w => new Random(w)).ToArray();
        var operation = LoadRunner.Timed((w, i, c) => CrudWorkload.RunAsync(variant.CreateOptions(), i, random[w], c));
        await VariantWarmup.RunAsync(variant, crud: true, ct).ConfigureAwait(false);
        _ = await LoadRunner.RunAsync(settings.SoakWorkers, settings.WarmupDuration, operation, ct).ConfigureAwait(false);
        var before = context.CredentialRequests;
        var load = await LoadRunner.RunAsync(settings.SoakWorkers, settings.SoakDuration, operation, ct).ConfigureAwait(false);
        return new SoakFigures(kind, ttl, load.OpsPerSecond, load.Latency.P99Ms, load.Operations, load.Failures,
            context.CredentialRequests - before, load.Elapsed.TotalSeconds, load.FirstError);
    }
}
