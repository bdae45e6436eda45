using System.Globalization;
using System.Text;
using Lakebase.Benchmarks.Measurement;
using Lakebase.Benchmarks.Scenarios;
using Lakebase.Benchmarks.Variants;

namespace Lakebase.Benchmarks.Reporting;

/// <summary>Scenario 4's section (interleaved lifetime phases, (b)'s rotation cadence) and its targets.</summary>
internal static class SoakReport
{
    private const double SoakThroughputTolerance = 0.05;
    private const int MinimumLifetimes = 3;

    public static IEnumerable<TargetResult> Targets(BenchmarkReport report)
    {
        yield return Failures(report);
        yield return Throughput(report);
        yield return Cadence(report);
    }

    public static void Append(StringBuilder md, BenchmarkReport report)
    {
        if (report.Soak is not { } soak)
        {
            return;
        }

        var s = report.Settings;
        md.AppendLine("## 4. Rotation soak");
        md.AppendLine();
        md.AppendLine(
            $"{s.SoakWorkers} workers run the CRUD mix with pooling off, so every operation logs in with whatever token is current: with {Format.Duration(s.SoakShortTtl)} tokens a stale token anywhere shows as a failed operation. " +
            "(A pooled workload would not see rotation at all: Lakebase checks the token only at login.) (a) keeps its one-day token. " +
            $"The token lifetime is emulator-wide, so each lifetime is a phase; within a phase the variants alternate in {s.Runs} rounds of {Format.Duration(s.SoakDuration / s.Runs)} slices (order rotated, after warm-up), as in scenarios 1 and 2. " +
            "ops/s is the median over slices, \"vs (a)\" the median of the per-round ratios to (a) in the same phase. Before each slice one untimed open brings the variant up to date: between its slices (b) is idle, its refresh pauses, and a 3 s token may run out meanwhile.");
        md.AppendLine();
        md.AppendLine("\"UseLakebase's requests by trigger\" comes from the plugin's own metrics: *background* refreshes ran ahead of expiry and nobody waited (*ahead*: the same, started by an open that found the refresh point passed just before the timer fired); *initial* means an open found no usable credential and waited for the API (here: the untimed open after an idle gap); *forced* means a login was rejected and retried.");
        md.AppendLine();
        md.AppendLine("| token TTL | variant | ops/s | vs (a) | rounds' middle half | CPU µs/op | p99 ms | operations | failed | credential requests | UseLakebase's requests by trigger |");
        md.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var phase in soak.Phases)
        {
            foreach (var x in phase.Figures)
            {
                var ttl = x.Variant == VariantKind.StaticPassword ? $"{Format.Duration(x.TokenLifetime)} (a: 1 day, static)" : Format.Duration(x.TokenLifetime);
                md.AppendLine(CultureInfo.InvariantCulture,
                    $"| {ttl} | {x.Variant.Label()} | {Format.Number(x.OpsPerSecond)} | {Format.Number(x.RatioToStatic, "0.000")}× | {Format.Number(x.RatioP25, "0.00")}–{Format.Number(x.RatioP75, "0.00")} | {Format.Number(x.CpuUsPerOp, "0")} | {Format.Number(x.P99Ms, "0.00")} | {x.Operations:N0} | {x.Failures} | {x.CredentialRequests:N0} | {x.PluginRequests} |");
            }
        }

        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture,
            $"Logins the emulator refused: {string.Join("; ", soak.Phases.Select(p => $"{p.LoginsRejected} in the {Format.Duration(p.TokenLifetime)} phase"))}.");
        if (soak.All.FirstOrDefault(x => x.FirstError is not null) is { } firstError)
        {
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"First failure ({firstError.Variant.Label()}, TTL {Format.Duration(firstError.TokenLifetime)}): `{firstError.FirstError}`");
        }

        md.AppendLine();
        AppendCadence(md, soak.Cadence);
    }

    private static void AppendCadence(StringBuilder md, RotationCadence? cadence)
    {
        if (cadence is null)
        {
            return;
        }

        md.AppendLine("### Credential requests per token lifetime");
        md.AppendLine();
        var intervals = cadence.IntervalsSeconds;
        var fractions = cadence.RefreshFractions;
        md.AppendLine(
            $"(b) alone, a fresh data source, the same {cadence.Operations + cadence.Failures:N0} unpooled CRUD operations' load, for {Format.Number(cadence.Lifetimes, "0.#")} lifetimes of {Format.Duration(cadence.TokenLifetime)} tokens ({Format.Duration(cadence.Window)} after warm-up, {cadence.Failures} failed operations). " +
            $"It made {cadence.Requests.Count} credential requests ({string.Join(", ", cadence.Requests.GroupBy(r => r.Trigger).Select(g => $"{g.Count()} {g.Key}"))}); " +
            (intervals.Count > 0
                ? $"the {intervals.Count} intervals between them average {Format.Number(intervals.Average(), "0.000")} s ({Format.Number(intervals.Min(), "0.000")}–{Format.Number(intervals.Max(), "0.000")}), i.e. **{Format.Number(cadence.PerLifetime, "0.00")} requests per lifetime**; each refresh started at {Format.Number(fractions.Min() * 100, "0.0")}–{Format.Number(fractions.Max() * 100, "0.0")} % of its predecessor's lifetime (interval minus its own request time)."
                : "too few to measure an interval."));
        md.AppendLine();
        md.AppendLine($"Expected from the refresh rule ({nameof(RefreshRule)}, restating `CredentialCachePolicy` and `DatabaseCredential.RefreshPoint`): {RefreshRule.Explain(cadence.TokenLifetime, cadence.MeanDurationSeconds)}. " +
            $"For comparison, {RefreshRule.Explain(TimeSpan.FromMinutes(60), cadence.MeanDurationSeconds)}.");
        md.AppendLine();
    }

    private static TargetResult Failures(BenchmarkReport report)
    {
        var target = $"4: zero failed operations with {Format.Duration(report.Settings.SoakShortTtl)} tokens, (b)";
        var b = report.Soak?.Find(VariantKind.UseLakebase, report.Settings.SoakShortTtl);
        return b is null ? new(target, "", null)
            : new(target, $"{b.Failures} failed of {b.Operations + b.Failures:N0}" + (b.FirstError is null ? "" : $" (first: {b.FirstError})"), b.Failures == 0);
    }

    // (a)'s static token ignores the lifetime phase, so each phase's paired (b)/(a) compares (b) across phases
    // without letting a drift of background load between the phases decide.
    private static TargetResult Throughput(BenchmarkReport report)
    {
        var s = report.Settings;
        var target = $"4: (b) throughput with {Format.Duration(s.SoakShortTtl)} tokens within 5% of {Format.Duration(s.SoakLongTtl)} tokens (each phase's paired (b)/(a))";
        var shortTtl = report.Soak?.Find(VariantKind.UseLakebase, s.SoakShortTtl);
        var longTtl = report.Soak?.Find(VariantKind.UseLakebase, s.SoakLongTtl);
        if (shortTtl is null || longTtl is null)
        {
            return new(target, "", null);
        }

        var ratio = shortTtl.RatioToStatic / longTtl.RatioToStatic;
        return new(target,
            $"(b)/(a) {Format.Number(shortTtl.RatioToStatic, "0.000")}× at {Format.Duration(s.SoakShortTtl)}, {Format.Number(longTtl.RatioToStatic, "0.000")}× at {Format.Duration(s.SoakLongTtl)}: {Format.Number(ratio, "0.000")}×",
            ratio >= 1 - SoakThroughputTolerance);
    }

    private static TargetResult Cadence(BenchmarkReport report)
    {
        const string target = "4: (b) credential requests per token lifetime within the band the refresh rule implies, over at least 3 lifetimes of short tokens, all in the background (nobody waited), most started by the refresh timer";
        if (report.Soak?.Cadence is not { } cadence)
        {
            return new(target, "", null);
        }

        var (low, high) = RefreshRule.Band(cadence.TokenLifetime, cadence.MeanDurationSeconds);
        // "ahead" is the same refresh as "background", started by an open that found the refresh point passed a moment
        // before the timer fired (16 workers open without a pool); that open did not wait for it. An open waited only
        // for "initial" or "forced". Under continuous load a timer that never fired would still refresh, all "ahead",
        // at the same cadence: so the timer must have started most of them.
        var foreground = cadence.Requests.Count(r => r.Trigger is not ("background" or "ahead") || !r.Succeeded);
        var ahead = cadence.Requests.Count(r => r.Trigger == "ahead");
        var measured = string.Create(CultureInfo.InvariantCulture,
            $"{Format.Number(cadence.PerLifetime, "0.00")} per lifetime over {Format.Number(cadence.Lifetimes, "0.#")} lifetimes of {Format.Duration(cadence.TokenLifetime)} ({cadence.Requests.Count} requests, {ahead} started by an open a moment before the timer, {foreground} an open waited for or that failed); band {low:0.00}–{high:0.00}");
        return new(target, measured,
            cadence.Lifetimes >= MinimumLifetimes && cadence.Requests.Count >= 2 && foreground == 0 && ahead * 2 <= cadence.Requests.Count && cadence.Failures == 0
            && cadence.PerLifetime >= low && cadence.PerLifetime <= high);
    }
}
