using System.Globalization;
using System.Text;
using Lakebase.Benchmarks.Measurement;
using Lakebase.Benchmarks.Scenarios;
using Lakebase.Benchmarks.Variants;

namespace Lakebase.Benchmarks.Reporting;

/// <summary>Scenario 7's section and target: the first request after a host starts.</summary>
internal static class FirstRequestReport
{
    private const double WarmUpTolerance = 0.10;

    public static TargetResult Target(BenchmarkReport report)
    {
        const string target = "7: first request after start, (b) with WarmUp + readiness within 10% of (a) with a warm pool (median of paired ratios)";
        if (report.FirstRequest is not { } figures
            || figures.FirstOrDefault(f => f.Case == FirstRequestCase.LakebaseWarmUp) is not { } warm
            || figures.FirstOrDefault(f => f.Case == FirstRequestCase.StaticWarmPool) is not { } a)
        {
            return new(target, "", null);
        }

        var cold = figures.FirstOrDefault(f => f.Case == FirstRequestCase.LakebaseCold);
        var measured = string.Create(CultureInfo.InvariantCulture,
            $"{Format.Number(warm.FirstMs, "0.0")} ms vs {Format.Number(a.FirstMs, "0.0")} ms: {Format.Number(warm.RatioToStatic, "0.000")}× (rounds' middle half {Format.Number(warm.RatioP25, "0.00")}–{Format.Number(warm.RatioP75, "0.00")})");
        if (cold is not null)
        {
            measured += string.Create(CultureInfo.InvariantCulture, $"; without warm-up {Format.Number(cold.FirstMs, "0.0")} ms ({Format.Number(cold.RatioToStatic, "0.00")}×)");
        }

        return new(target, measured, warm.Failures == 0 && a.Failures == 0 && warm.RatioToStatic <= 1 + WarmUpTolerance);
    }

    public static void Append(StringBuilder md, BenchmarkReport report)
    {
        if (report.FirstRequest is not { } figures)
        {
            return;
        }

        var s = report.Settings;
        md.AppendLine("## 7. First request after a host starts");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture,
            $"Each run builds a new generic host (`Host.CreateEmptyApplicationBuilder`) as an application does: **(b)** `AddLakebaseDataSource(endpoint, oauth, ...)` + `AddDbContext<T>(o => o.UseLakebase())`, defaults; " +
            $"**(b) + warm-up** the same with `.WarmUp()` and `AddHealthChecks().AddLakebaseReadiness()`; after `StartAsync` it polls the readiness check every " +
            $"{FirstRequestScenario.ReadinessPoll.TotalMilliseconds:0} ms until it reports healthy, as a load balancer would, before sending the first request; **(a)** `UseNpgsql` over a static-password `NpgsqlDataSource` in the container, same settings and strategy as scenario 2's (a), one connection opened and returned before the first request (a warm pool). " +
            $"The first request is a new scope, its DbContext and one point read, timed from the scope to the result; \"warm\" is the same request right after. {s.FirstRequestRuns} host starts per case, alternating, order rotated each round, after one untimed start of each (JIT); a full garbage collection before every start, so that no case's first request collects the garbage of the case before it. " +
            $"Every host is new, so (b)'s workspace token, credential and pool start cold, each workspace call paying the injected {s.ApiLatency.TotalMilliseconds:0} ms, and EF Core builds its model for every host (alike for all three).");
        md.AppendLine();
        md.AppendLine("| case | first request ms (median) | vs (a) | rounds' middle half | warm request ms | host StartAsync ms | start → ready ms | failures |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var f in figures)
        {
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {f.Case.Label()} | {Format.Number(f.FirstMs, "0.0")} | {Format.Number(f.RatioToStatic, "0.000")}× | {Format.Number(f.RatioP25, "0.00")}–{Format.Number(f.RatioP75, "0.00")} | {Format.Number(f.WarmMs, "0.0")} | {Format.Number(f.StartMs, "0.0")} | {(double.IsNaN(f.ReadyMs) ? "" : Format.Number(f.ReadyMs, "0.0"))} | {f.Failures} |");
        }

        md.AppendLine();
        var a = figures.FirstOrDefault(f => f.Case == FirstRequestCase.StaticWarmPool);
        var cold = figures.FirstOrDefault(f => f.Case == FirstRequestCase.LakebaseCold);
        var warm = figures.FirstOrDefault(f => f.Case == FirstRequestCase.LakebaseWarmUp);
        if (a is not null && cold is not null)
        {
            var extra = cold.FirstMs - a.FirstMs;
            var text = string.Create(CultureInfo.InvariantCulture,
                $"Without warm-up, (b)'s first request took {Format.Number(extra, "0")} ms longer than (a)'s, {Format.Number(extra / s.ApiLatency.TotalMilliseconds, "0.0")}× the injected API latency: what it waited for in line (workspace token, credential, a TLS login).");
            if (warm is not null)
            {
                text += string.Create(CultureInfo.InvariantCulture,
                    $" With warm-up, readiness reported healthy {Format.Number(warm.ReadyMs, "0")} ms after the start began ({Format.Number(warm.StartMs, "0")} ms of it inside `StartAsync`), and the first request then took {Format.Number(warm.FirstMs - a.FirstMs, "+0.0;-0.0")} ms against (a).");
            }

            md.AppendLine(text);
            md.AppendLine();
        }

        var firstError = figures.FirstOrDefault(f => f.FirstError is not null);
        if (firstError is not null)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"First failure ({firstError.Case.Label()}): `{firstError.FirstError}`");
            md.AppendLine();
        }
    }
}
