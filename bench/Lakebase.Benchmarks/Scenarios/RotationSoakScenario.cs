using Lakebase.Benchmarks.Data;
using Lakebase.Benchmarks.Measurement;
using Lakebase.Benchmarks.Variants;

namespace Lakebase.Benchmarks.Scenarios;

/// <summary>
/// Scenario 4 figures: one variant at one token lifetime, over its interleaved slices. <c>RatioToStatic</c> and its
/// quartiles are over the per-round ratios to (a) in the same round (same lifetime phase).
/// </summary>
internal sealed record SoakFigures(
    VariantKind Variant, TimeSpan TokenLifetime, double OpsPerSecond, double RatioToStatic, double RatioP25, double RatioP75,
    double P99Ms, long Operations, long Failures, long CredentialRequests, double Seconds, string? FirstError, double CpuUsPerOp,
    string? PluginRequests = null);

/// <summary>One lifetime phase of scenario 4: every variant's figures, and the logins the emulator refused meanwhile.</summary>
internal sealed record SoakPhase(TimeSpan TokenLifetime, IReadOnlyList<SoakFigures> Figures, long LoginsRejected);

/// <summary>Scenario 4's result: the two lifetime phases and (b)'s uninterrupted rotation cadence with short tokens.</summary>
internal sealed record SoakResult(IReadOnlyList<SoakPhase> Phases, RotationCadence? Cadence)
{
    public IEnumerable<SoakFigures> All => Phases.SelectMany(p => p.Figures);

    public SoakFigures? Find(VariantKind kind, TimeSpan lifetime) => All.FirstOrDefault(f => f.Variant == kind && f.TokenLifetime == lifetime);
}

/// <summary>
/// Scenario 4: CRUD at 16 workers with pooling off, so every operation is a fresh login that needs a currently valid
/// token, while tokens live 3 s and, for comparison, 60 minutes. A pooled workload would hide rotation entirely:
/// Lakebase checks the token only at login. The token lifetime is an emulator-wide setting, so each lifetime is a
/// phase, and within it the variants alternate in slices as in scenarios 1 and 2; (b) at 3 s against (b) at 60 minutes
/// is judged through each phase's paired ratio to (a), whose static token does not care about the phase.
/// Then (b) runs alone, uninterrupted, for several short lifetimes: its rotation cadence.
/// </summary>
internal static class RotationSoakScenario
{
    public static async Task<SoakResult> RunAsync(ScenarioContext context, CancellationToken ct)
    {
        var settings = context.Settings;
        var phases = new List<SoakPhase>();
        RotationCadence? cadence;
        try
        {
            foreach (var ttl in new[] { settings.SoakShortTtl, settings.SoakLongTtl })
            {
                context.Environment.Emulator.Faults.TokenLifetimeOverride = ttl;
                phases.Add(await PhaseAsync(context, ttl, ct).ConfigureAwait(false));
            }

            context.Environment.Emulator.Faults.TokenLifetimeOverride = settings.SoakShortTtl;
            cadence = await RotationCadenceMeasurement.RunAsync(context, ct).ConfigureAwait(false);
        }
        finally
        {
            context.Environment.ResetFaults();
        }

        return new SoakResult(phases, cadence);
    }

    private static async Task<SoakPhase> PhaseAsync(ScenarioContext context, TimeSpan ttl, CancellationToken ct)
    {
        var settings = context.Settings;
        var variants = new List<ConnectionVariant>();
        try
        {
            var random = Enumerable.Range(0, settings.SoakWorkers).Select(w => new Random(w)).ToArray();
            Func<int, long, CancellationToken, Task<TimeSpan>> OperationFor(ConnectionVariant variant) =>
                LoadRunner.Timed((w, i, c) => CrudWorkload.RunAsync(variant.CreateOptions(), i, random[w], c));

            foreach (var kind in VariantKindExtensions.Compared)
            {
                var variant = VariantFactory.Create(kind, context.Environment, VariantOptions.Unpooled);
                variants.Add(variant);
                await VariantWarmup.RunAsync(variant, crud: true, ct).ConfigureAwait(false);
                _ = await LoadRunner.RunAsync(settings.SoakWorkers, settings.WarmupDuration, OperationFor(variant), ct).ConfigureAwait(false);
                context.RecordSettings(4, variant);
            }

            var slice = settings.SoakDuration / settings.Runs;
            context.Progress($"scenario 4, token TTL {Format.Duration(ttl)}: {settings.Runs} rounds of {Format.Duration(slice)} slices per variant");
            using var tally = new CredentialTelemetryTally();
            var requestsBefore = context.CredentialRequests;
            var rejectedBefore = context.Environment.Emulator.Counters.LoginsRejected;

            // While (a) and (c) run, (b) is idle: its refresh timer pauses once nobody used the credential since the
            // last refresh, and with 3 s tokens it may have run out by (b)'s next slice. One untimed open first brings
            // it up to date, so each slice measures rotation under load, not the return from a pause.
            var figures = await InterleavedMeasurement.RunAsync(
                variants, settings.Runs, slice, settings.SoakWorkers, OperationFor, context.Progress, ct,
                beforeSlice: (variant, c) => OpenConnection.OpenAndCloseAsync(variant, c)).ConfigureAwait(false);

            // Only (b) reports through the library's metrics; (a) makes no request; (c) makes the rest.
            var lakebaseRequests = tally.AllRequests;
            var allRequests = context.CredentialRequests - requestsBefore;
            return new SoakPhase(ttl, [.. figures.Select(f => new SoakFigures(
                f.Variant, ttl, f.OpsPerSecond, f.RatioToStatic, f.RatioP25, f.RatioP75, f.Latency.P99Ms, f.Operations, f.Failures,
                f.Variant switch
                {
                    VariantKind.UseLakebase => lakebaseRequests,
                    VariantKind.GuidePerConnection => allRequests - lakebaseRequests,
                    _ => 0,
                },
                f.SecondsMeasured, f.FirstError, f.CpuUsPerOp,
                f.Variant == VariantKind.UseLakebase ? tally.Describe() : null))],
                context.Environment.Emulator.Counters.LoginsRejected - rejectedBefore);
        }
        finally
        {
            foreach (var variant in variants)
            {
                await variant.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
