using System.Globalization;

namespace Lakebase.Benchmarks.Configuration;

/// <summary>
/// Parses <c>--quick | --full</c>, <c>--output PATH</c>, <c>--api-latency-ms N</c>, <c>--runs N</c>,
/// <c>--soak-seconds N</c>, <c>--cadence-lifetimes N</c>, <c>--first-request-runs N</c>, <c>--scenarios 1,2,...</c>,
/// <c>--workers 1,8,32</c>.
/// Hand-rolled: a handful of flags does not justify a dependency.
/// </summary>
internal static class Arguments
{
    public const string Usage = """
        Lakebase.Benchmarks: what UseLakebase costs against a static password and the guide's per-connection pattern.

          --full                 the published run (default): interleaved repetitions, writes docs/benchmarks.md
          --quick                CI smoke, under two minutes; writes to a temp path unless --output is given
          --output PATH          where to write the markdown table
          --api-latency-ms N     latency injected into every workspace API call (default 100)
          --runs N               rounds of interleaved slices in scenarios 1, 2, 4 and 6 (median of paired ratios reported)
          --soak-seconds N       duration of each rotation soak run
          --workers LIST         concurrencies of scenarios 2 and 6 (default 1,8,32)
          --scenarios LIST       subset of scenarios to run, e.g. 1,3,5 (6: read routing, PreferStandby vs the primary;
                                 7: first request after a host starts)
          --cadence-lifetimes N  short token lifetimes (b) runs uninterrupted in scenario 4 to count its requests (at least 3)
          --first-request-runs N host starts per case in scenario 7 (median reported)
          --lakebase-options-once  diagnostic: (b) shares one DbContextOptions instead of calling UseLakebase per context
          --lakebase-no-retry      diagnostic: (b) with DisableRetryOnFailure (the default strategy's share of the cost)
          --help                 this text

        Exit code 0 when every scenario ran and the table was written; 1 when a scenario failed to run; 2 on bad arguments.
        """;

    /// <returns>The settings, or <see langword="null"/> when help was asked for.</returns>
    /// <exception cref="ArgumentException">An unknown flag or a malformed value.</exception>
    public static BenchmarkSettings? Parse(string[] args)
    {
        var quick = false;
        string? output = null;
        int? latencyMs = null, runs = null, soakSeconds = null, cadenceLifetimes = null, firstRequestRuns = null;
        HashSet<int>? scenarios = null;
        int[]? workers = null;
        var optionsOnce = false;
        var noRetry = false;

        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--quick": quick = true; break;
                case "--full": quick = false; break;
                case "--output": output = Value(); break;
                case "--api-latency-ms": latencyMs = NonNegative(Value(), "--api-latency-ms"); break;
                case "--runs": runs = Math.Max(1, NonNegative(Value(), "--runs")); break;
                case "--soak-seconds": soakSeconds = Math.Max(1, NonNegative(Value(), "--soak-seconds")); break;
                case "--cadence-lifetimes": cadenceLifetimes = Math.Max(3, NonNegative(Value(), "--cadence-lifetimes")); break;
                case "--first-request-runs": firstRequestRuns = Math.Max(1, NonNegative(Value(), "--first-request-runs")); break;
                case "--scenarios":
                    scenarios = [.. Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                        .Select(s => int.TryParse(s, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 7 ? n : throw new ArgumentException($"Unknown scenario '{s}' (1-7)."))];
                    break;
                case "--workers":
                    workers = [.. Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                        .Select(s => int.TryParse(s, CultureInfo.InvariantCulture, out var n) && n >= 1 ? n : throw new ArgumentException($"--workers expects positive integers, got '{s}'.")).Distinct()];
                    break;
                case "--lakebase-options-once": optionsOnce = true; break;
                case "--lakebase-no-retry": noRetry = true; break;
                case "--help" or "-h": return null;
                default: throw new ArgumentException($"Unknown argument '{args[i]}'.");
            }
        }

        var settings = quick
            ? BenchmarkSettings.Quick(output ?? Path.Combine(Path.GetTempPath(), "lakebase-benchmarks", "benchmarks-quick.md"))
            : BenchmarkSettings.Full(output ?? Path.Combine(RepositoryRoot.Find(), "docs", "benchmarks.md"));
        return settings with
        {
            ApiLatency = latencyMs is { } ms ? TimeSpan.FromMilliseconds(ms) : settings.ApiLatency,
            Runs = runs ?? settings.Runs,
            OpensRuns = runs ?? settings.OpensRuns,
            CrudRuns = runs ?? settings.CrudRuns,
            SoakDuration = soakSeconds is { } s ? TimeSpan.FromSeconds(s) : settings.SoakDuration,
            Scenarios = scenarios ?? settings.Scenarios,
            CrudWorkers = workers ?? settings.CrudWorkers,
            CadenceLifetimes = cadenceLifetimes ?? settings.CadenceLifetimes,
            FirstRequestRuns = firstRequestRuns ?? settings.FirstRequestRuns,
            LakebaseOptionsOnce = optionsOnce,
            LakebaseNoRetry = noRetry,
        };
    }

    private static int NonNegative(string value, string flag) =>
        int.TryParse(value, CultureInfo.InvariantCulture, out var n) && n >= 0 ? n : throw new ArgumentException($"{flag} expects a non-negative integer, got '{value}'.");
}
