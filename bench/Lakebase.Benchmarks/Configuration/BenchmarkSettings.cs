namespace Lakebase.Benchmarks.Configuration;

/// <summary>Everything a run is parameterised by. <see cref="Quick"/> and <see cref="Full"/> are the two documented presets.</summary>
internal sealed record BenchmarkSettings
{
    public required string Mode { get; init; }

    /// <summary>Where the markdown report goes.</summary>
    public required string OutputPath { get; init; }

    /// <summary>Latency the emulator adds to every workspace API call: a plausible cloud round trip.</summary>
    public TimeSpan ApiLatency { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Rounds of interleaved slices in scenarios 4 and 6 (each round: one slice per variant, order rotated).</summary>
    public int Runs { get; init; }

    /// <summary>
    /// Rounds of scenario 1's interleaved slices. Its p99 target is judged round by round, and a round's p99 over about a
    /// hundred opens sits near the slowest two: the rounds' middle half of the ratio spanned 1.02-1.15 over 10 rounds
    /// on 2026-12-03 (median 1.06×, pooled 0.98×), a standard error near 0.04 against a 5 % target. 30 rounds (3 minutes)
    /// bring it near 0.02.
    /// </summary>
    public int OpensRuns { get; init; }

    /// <summary>
    /// Rounds of scenario 2's interleaved slices: more than the others, because its (b)/(a₀) throughput target sits
    /// two percent from parity. The rounds' middle half of a per-round ratio spans about 0.04-0.06 here, which puts the
    /// standard error of a 16-round median near 0.012: with a paired CPU cost of +1.7 µs in about 450, one concurrency
    /// of three read 0.973× in one full run of two on 2026-12-03. 40 rounds (12 minutes) bring it near 0.008.
    /// </summary>
    public int CrudRuns { get; init; }

    /// <summary>
    /// Rounds of the refresh storm, each storming every variant once (order rotated). The latency target is judged on
    /// the median of the rounds' differences: the worst of 200 simultaneous logins on 2 cores moves by hundreds of
    /// milliseconds from one storm to the next, so three storms decided it by chance.
    /// </summary>
    public int StormRuns { get; init; }

    public TimeSpan WarmupDuration { get; init; }

    public TimeSpan OpensDuration { get; init; }

    public TimeSpan CrudDuration { get; init; }

    /// <summary>The worker counts scenarios 2 and 6 run at unless <c>--workers</c> says otherwise.</summary>
    public static IReadOnlyList<int> DefaultWorkers { get; } = [1, 8, 32];

    /// <summary>Worker counts of scenarios 2 and 6.</summary>
    public IReadOnlyList<int> CrudWorkers { get; init; } = DefaultWorkers;

    /// <summary>Length of one scenario 6 slice (one route, one concurrency, one round).</summary>
    public TimeSpan ReadRoutingDuration { get; init; }

    public int StormOpens { get; init; } = 200;

    /// <summary>Short token lifetime for the refresh storm, so the refresh point arrives seconds after warm-up.</summary>
    public TimeSpan StormTokenLifetime { get; init; } = TimeSpan.FromSeconds(8);

    public TimeSpan StormRefreshBeforeExpiry { get; init; } = TimeSpan.FromSeconds(2);

    public TimeSpan SoakDuration { get; init; }

    /// <summary>Rounds of alternating batches (200 operations each) in scenario 2's paired per-context path cost.</summary>
    public int ContextPathRounds { get; init; }

    /// <summary>Rounds of alternating batches (200 calls each) per UseLakebase form in scenario 5's paired options cost.</summary>
    public int OptionsCostRounds { get; init; }

    public int SoakWorkers { get; init; } = 16;

    public TimeSpan SoakShortTtl { get; init; } = TimeSpan.FromSeconds(3);

    public TimeSpan SoakLongTtl { get; init; } = TimeSpan.FromMinutes(60);

    /// <summary>How many short token lifetimes (b) runs uninterrupted in scenario 4 to measure its rotation cadence (at least 3).</summary>
    public int CadenceLifetimes { get; init; } = 10;

    /// <summary>
    /// Host starts per variant in scenario 7 (first request after start), interleaved. A first request of a few
    /// milliseconds moves by half its length between starts here: the rounds' middle half of the ratio to (a) spans
    /// about 0.3 either way, and with 30 starts the median ratio moved between 0.94× and 1.24× from one run to the next,
    /// too far to judge a 10 % target. 120 starts (about a minute) quarter that median's variance.
    /// </summary>
    public int FirstRequestRuns { get; init; } = 120;

    /// <summary>Which scenarios (1-7) to run.</summary>
    public IReadOnlySet<int> Scenarios { get; init; } = new HashSet<int> { 1, 2, 3, 4, 5, 6, 7 };

    /// <summary>Diagnostic: (b) builds its DbContext options once instead of per context.</summary>
    public bool LakebaseOptionsOnce { get; init; }

    public bool LakebaseNoRetry { get; init; }

    public bool IsQuick => Mode == "quick";

    /// <summary>CI smoke: every scenario once, short; finishes well within two minutes.</summary>
    public static BenchmarkSettings Quick(string outputPath) => new()
    {
        Mode = "quick",
        OutputPath = outputPath,
        Runs = 2,
        OpensRuns = 2,
        CrudRuns = 2,
        ContextPathRounds = 20,
        StormRuns = 1,
        WarmupDuration = TimeSpan.FromSeconds(0.3),
        OpensDuration = TimeSpan.FromSeconds(1),
        CrudDuration = TimeSpan.FromSeconds(0.75),
        ReadRoutingDuration = TimeSpan.FromSeconds(0.3),
        StormTokenLifetime = TimeSpan.FromSeconds(4),
        StormRefreshBeforeExpiry = TimeSpan.FromSeconds(1),
        SoakDuration = TimeSpan.FromSeconds(5),
        CadenceLifetimes = 3,
        FirstRequestRuns = 3,
        OptionsCostRounds = 100,
    };

    /// <summary>The published figures: interleaved repetitions, a one-minute rotation soak.</summary>
    public static BenchmarkSettings Full(string outputPath) => new()
    {
        Mode = "full",
        OutputPath = outputPath,
        Runs = 10,
        OpensRuns = 30,
        CrudRuns = 40,
        ContextPathRounds = 1000,
        StormRuns = 9,
        WarmupDuration = TimeSpan.FromSeconds(1),
        OpensDuration = TimeSpan.FromSeconds(2),
        CrudDuration = TimeSpan.FromSeconds(1.5),
        ReadRoutingDuration = TimeSpan.FromSeconds(1.5),
        SoakDuration = TimeSpan.FromSeconds(60),
        OptionsCostRounds = 1000,
    };
}
