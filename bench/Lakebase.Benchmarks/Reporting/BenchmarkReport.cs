using Lakebase.Benchmarks.Configuration;
using Lakebase.Benchmarks.Micro;
using Lakebase.Benchmarks.Scenarios;

namespace Lakebase.Benchmarks.Reporting;

/// <summary>Everything one run measured; scenarios that were not run (or failed) stay null.</summary>
internal sealed class BenchmarkReport
{
    public required BenchmarkSettings Settings { get; init; }

    public required MachineInfo Machine { get; init; }

    public DateTimeOffset StartedAt { get; init; } = DateTimeOffset.UtcNow;

    public TimeSpan Elapsed { get; set; }

    public TimeSpan EmulatorStartup { get; set; }

    public string LoadAverageAtStart { get; init; } = MachineInfo.LoadAverage();

    public string LoadAverageAtEnd { get; set; } = "";

    public IReadOnlyList<OpensFigures>? Opens { get; set; }

    public IReadOnlyList<CrudFigures>? Crud { get; set; }

    /// <summary>Scenario 2's paired per-context path cost of (b) against (a₀), on one thread.</summary>
    public ContextPathCostFigures? ContextPathCost { get; set; }

    /// <summary>Scenario 2's paired per-context path cost of (a₀) with an options extension that does nothing, against (a₀).</summary>
    public ContextPathCostFigures? ExtensionCost { get; set; }

    public IReadOnlyList<StormFigures>? Storm { get; set; }

    public SoakResult? Soak { get; set; }

    public IReadOnlyList<HotPathFigures>? HotPath { get; set; }

    /// <summary>Scenario 5's paired per-context options cost of each UseLakebase form (what its targets are judged on).</summary>
    public IReadOnlyList<OptionsCostFigures>? OptionsCost { get; set; }

    /// <summary>Scenario 6: reads through PreferStandby against the primary alone (its own emulator, with a read replica).</summary>
    public ReadRoutingResult? ReadRouting { get; set; }

    /// <summary>Scenario 7: the first request after a host starts, (b) with and without warm-up against (a) with a warm pool.</summary>
    public IReadOnlyList<FirstRequestFigures>? FirstRequest { get; set; }

    /// <summary>Scenario → variant → its effective connection string (no password), for the settings comparison.</summary>
    public IReadOnlyDictionary<int, System.Collections.Concurrent.ConcurrentDictionary<Variants.VariantKind, string>> EffectiveSettings { get; set; } =
        new Dictionary<int, System.Collections.Concurrent.ConcurrentDictionary<Variants.VariantKind, string>>();

    /// <summary>Scenario number → why it could not run. Any entry makes the exit code non-zero.</summary>
    public SortedDictionary<int, string> Failures { get; } = [];
}
