using Lakebase.Benchmarks.Measurement;

namespace Lakebase.Benchmarks.Micro;

/// <summary>One UseLakebase form against its UseNpgsql baseline, measured in alternating batches.</summary>
/// <param name="Form">The form's description (an <see cref="OptionsBuildBenchmarks"/> constant).</param>
/// <param name="Baseline">The baseline's description.</param>
/// <param name="DeltaNs">Median over rounds of (form − baseline) ns of thread CPU time per call, each round's two batches run back to back.</param>
/// <param name="DeltaP25Ns">First quartile of the per-round differences: with <paramref name="DeltaP75Ns"/>, the noise.</param>
/// <param name="DeltaP75Ns">Third quartile of the per-round differences.</param>
/// <param name="FormNs">Median ns per call of the form.</param>
/// <param name="BaselineNs">Median ns per call of the baseline.</param>
/// <param name="DeltaBytes">Allocated bytes per call, form minus baseline (exact: this thread's allocation counter).</param>
/// <param name="Rounds">How many rounds were measured.</param>
/// <param name="ThreadCpuTime">True: times are thread CPU time; false: wall-clock (no thread CPU clock on this OS).</param>
internal sealed record OptionsCostFigures(
    string Form, string Baseline, double DeltaNs, double DeltaP25Ns, double DeltaP75Ns, double FormNs, double BaselineNs, double DeltaBytes, int Rounds, bool ThreadCpuTime);

/// <summary>
/// The per-context options cost of each UseLakebase form as a paired difference. BenchmarkDotNet measures one method
/// after another, so on this shared machine a change of background load between two of them shows up as a
/// difference of microseconds; here the form and its baseline alternate in short batches (order swapped every round),
/// neighbouring batches see the same load, and the median of the per-round differences is what the target is judged on.
/// Time is the thread's CPU time (<see cref="CpuClock.ThreadNs"/>), so waiting for a core is not counted as cost.
/// </summary>
internal static class OptionsCostMeasurement
{
    private const int CallsPerBatch = 200;

    public static IReadOnlyList<OptionsCostFigures> Run(int rounds)
    {
        var benchmarks = new OptionsBuildBenchmarks();
        benchmarks.Setup();
        try
        {
            return
            [
                Measure(OptionsBuildBenchmarks.ContainerForm, benchmarks.ScopedUseLakebase, OptionsBuildBenchmarks.ScopeBaseline, benchmarks.ScopedUseNpgsql, rounds),
                Measure(OptionsBuildBenchmarks.DataSourceForm, benchmarks.UseLakebaseDataSource, OptionsBuildBenchmarks.BuilderBaseline, benchmarks.UseNpgsql, rounds),
                Measure(OptionsBuildBenchmarks.ContainerlessForm, benchmarks.UseLakebase, OptionsBuildBenchmarks.BuilderBaseline, benchmarks.UseNpgsql, rounds),
            ];
        }
        finally
        {
            benchmarks.Cleanup();
        }
    }

    private static OptionsCostFigures Measure(string form, Func<object> formCall, string baseline, Func<object> baselineCall, int rounds)
    {
        var series = PairedBatches.Run(() => Batch(formCall), () => Batch(baselineCall), rounds);
        var deltas = series.SortedDeltas();
        var calls = (double)rounds * CallsPerBatch;
        return new OptionsCostFigures(form, baseline, Median.Of(deltas), Median.Quantile(deltas, 0.25), Median.Quantile(deltas, 0.75),
            Median.Of(series.VariantNs), Median.Of(series.BaselineNs), (series.VariantBytes - series.BaselineBytes) / calls, rounds, CpuClock.IsAvailable);
    }

    // Thread CPU time, not wall-clock: on this oversubscribed machine a batch preempted half-way would otherwise
    // count the time other processes ran.
    private static (double NsPerCall, long Bytes) Batch(Func<object> call)
    {
        var bytes = GC.GetAllocatedBytesForCurrentThread();
        var start = CpuClock.ThreadNs();
        for (var i = 0; i < CallsPerBatch; i++)
        {
            GC.KeepAlive(call());
        }

        var elapsedNs = CpuClock.ThreadNs() - start;
        return (elapsedNs / (double)CallsPerBatch, GC.GetAllocatedBytesForCurrentThread() - bytes);
    }
}
