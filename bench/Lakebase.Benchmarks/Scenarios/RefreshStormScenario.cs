using System.Diagnostics;
using Lakebase.Benchmarks.Data;
using Lakebase.Benchmarks.Measurement;
using Lakebase.Benchmarks.Variants;
using Microsoft.EntityFrameworkCore;

namespace Lakebase.Benchmarks.Scenarios;

/// <summary>Scenario 3 figures for one variant (median over runs; the per-run lists are in run order, so run i of
/// every variant belongs to the same round).</summary>
internal sealed record StormFigures(
    VariantKind Variant, int Opens, double CredentialRequests, double WorstOpenMs, double P50OpenMs, double ReleaseSkewMs, long Failures, string? FirstError,
    IReadOnlyList<double>? RequestsPerRun = null, string? PluginRequests = null, IReadOnlyList<double>? WorstOpenPerRun = null);

/// <summary>
/// Scenario 3: a burst of concurrent physical opens released at the instant UseLakebase's cached credential reaches
/// its refresh point. The token lifetime is shortened (emulator override) and the refresh lead set, so that instant
/// is known (the cache reports it); (a) and (c) get their burst at the same point after warm-up.
/// </summary>
internal static class RefreshStormScenario
{
    private static readonly TimeSpan BurstTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan WindowLead = TimeSpan.FromMilliseconds(50);

    public static async Task<IReadOnlyList<StormFigures>> RunAsync(ScenarioContext context, CancellationToken ct)
    {
        var settings = context.Settings;
        var runs = new List<StormFigures>();
        try
        {
            context.Environment.Emulator.Faults.TokenLifetimeOverride = settings.StormTokenLifetime;
            for (var run = 0; run < settings.StormRuns; run++)
            {
                foreach (var kind in VariantFactory.InterleavedOrder(run))
                {
                    context.Progress($"scenario 3 run {run + 1}/{settings.StormRuns}: {kind.Label()}");
                    runs.Add(await MeasureAsync(context, kind, ct).ConfigureAwait(false));
                }
            }
        }
        finally
        {
            context.Environment.ResetFaults();
        }

        return [.. runs.GroupBy(r => r.Variant).OrderBy(g => g.Key).Select(g => new StormFigures(
            g.Key, g.First().Opens,
            Median.Of(g.Select(r => r.CredentialRequests)),
            Median.Of(g.Select(r => r.WorstOpenMs)),
            Median.Of(g.Select(r => r.P50OpenMs)),
            g.Max(r => r.ReleaseSkewMs),
            g.Sum(r => r.Failures),
            g.Select(r => r.FirstError).FirstOrDefault(e => e is not null),
            [.. g.Select(r => r.CredentialRequests)],
            ByTrigger(g.Select(r => r.PluginRequests)),
            [.. g.Select(r => r.WorstOpenMs)]))];
    }

    // The runs' request breakdowns, each distinct one once with how many runs it describes.
    private static string? ByTrigger(IEnumerable<string?> perRun)
    {
        var groups = perRun.OfType<string>().GroupBy(d => d, StringComparer.Ordinal).ToList();
        return groups.Count == 0 ? null : string.Join("; ", groups.Select(d => $"{d.Key} ({d.Count()} run{(d.Count() == 1 ? "" : "s")})"));
    }

    private static async Task<StormFigures> MeasureAsync(ScenarioContext context, VariantKind kind, CancellationToken ct)
    {
        var settings = context.Settings;
        var options = new VariantOptions(Pooling: false, RefreshBeforeExpiry: settings.StormRefreshBeforeExpiry);
        await using var variant = VariantFactory.Create(kind, context.Environment, options);

        // Warm-up: one open. For (b) it fetches the credential whose refresh point the burst is aimed at.
        var warmedAt = DateTimeOffset.UtcNow;
        await VariantWarmup.RunAsync(variant, crud: false, ct).ConfigureAwait(false);
        var lifetime = settings.StormTokenLifetime;
        var lead = settings.StormRefreshBeforeExpiry < lifetime / 4 ? settings.StormRefreshBeforeExpiry : lifetime / 4;
        var releaseAt = variant is LakebaseVariant lakebase
            ? lakebase.DataSource.GetCredentialStatus().NextRefreshAt ?? throw new InvalidOperationException("UseLakebase scheduled no refresh after the first open.")
            : warmedAt + lifetime - lead;

        // Contexts and options are built before the burst so only the opens compete.
        var contexts = Enumerable.Range(0, settings.StormOpens).Select(_ => new BenchContext(variant.CreateOptions())).ToArray();
        try
        {
            var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var latencies = new double[contexts.Length];
            var errors = new string?[contexts.Length];
            var opens = contexts.Select((db, i) => Task.Run(async () =>
            {
                await gate.Task.ConfigureAwait(false);
                var start = Stopwatch.GetTimestamp();
                try
                {
                    await db.Database.OpenConnectionAsync(ct).ConfigureAwait(false);
                    latencies[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                }
                catch (Exception e)
                {
                    latencies[i] = double.NaN;
                    errors[i] = $"{e.GetType().Name}: {e.GetBaseException().Message}";
                }
            }, ct)).ToArray();

            // The window opens a little before the refresh point: the refresh timer may fire a millisecond or two
            // ahead of the wall-clock instant it reports, and that request belongs to the storm.
            await WaitUntilAsync(releaseAt - WindowLead, ct).ConfigureAwait(false);
            using var tally = new CredentialTelemetryTally();
            var before = context.CredentialRequests;
            await WaitUntilAsync(releaseAt, ct).ConfigureAwait(false);
            var skew = (DateTimeOffset.UtcNow - releaseAt).TotalMilliseconds;
            gate.SetResult();
            await Task.WhenAll(opens).WaitAsync(BurstTimeout, ct).ConfigureAwait(false);

            // A background refresh started at the refresh point may still be in flight: let it land before counting.
            await WaitUntilAsync(releaseAt + (3 * context.Environment.ApiLatency) + TimeSpan.FromMilliseconds(200), ct).ConfigureAwait(false);
            var requests = context.CredentialRequests - before;

            var ok = latencies.Where(l => !double.IsNaN(l)).ToList();
            var summary = LatencySummary.From(ok);
            return new StormFigures(kind, contexts.Length, requests, summary.MaxMs, summary.P50Ms, skew,
                contexts.Length - ok.Count, errors.FirstOrDefault(e => e is not null), null,
                kind == VariantKind.UseLakebase ? tally.Describe() : null);
        }
        finally
        {
            foreach (var db in contexts)
            {
                await db.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    // Sleeps most of the way, then spins: Task.Delay alone overshoots by a timer tick or more.
    private static async Task WaitUntilAsync(DateTimeOffset at, CancellationToken ct)
    {
        var remaining = at - DateTimeOffset.UtcNow;
        if (remaining > TimeSpan.FromMilliseconds(30))
        {
            await Task.Delay(remaining - TimeSpan.FromMilliseconds(20), ct).ConfigureAwait(false);
        }

        while (DateTimeOffset.UtcNow < at)
        {
            Thread.SpinWait(50);
        }
    }
}
