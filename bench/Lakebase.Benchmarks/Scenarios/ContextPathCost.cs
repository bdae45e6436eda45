using Lakebase.Benchmarks.Data;
using Lakebase.Benchmarks.Measurement;
using Microsoft.EntityFrameworkCore;

namespace Lakebase.Benchmarks.Scenarios;

/// <summary>Scenario 2's per-operation client cost of one variant against another, paired.</summary>
/// <param name="Variant">What is measured, as the report names it.</param>
/// <param name="Baseline">What it is measured against, as the report names it.</param>
/// <param name="DeltaNs">Median over rounds of (variant − baseline) ns of thread CPU time per operation.</param>
/// <param name="DeltaP25Ns">First quartile of the per-round differences: with <paramref name="DeltaP75Ns"/>, the noise.</param>
/// <param name="DeltaP75Ns">Third quartile of the per-round differences.</param>
/// <param name="VariantNs">Median ns per operation of the variant.</param>
/// <param name="BaselineNs">Median ns per operation of the baseline.</param>
/// <param name="DeltaBytes">Bytes allocated per operation, variant minus baseline (exact: the thread's allocation counter).</param>
/// <param name="Rounds">Rounds measured.</param>
/// <param name="OperationsPerBatch">Operations in each variant's batch of a round.</param>
/// <param name="ThreadCpuTime">True: times are thread CPU time; false: wall-clock (no thread CPU clock on this OS).</param>
/// <param name="AsynchronousCompletions">Operations whose path did not complete on the calling thread (expected: none).</param>
internal sealed record ContextPathCostFigures(
    string Variant, string Baseline, double DeltaNs, double DeltaP25Ns, double DeltaP75Ns, double VariantNs, double BaselineNs,
    double DeltaBytes, int Rounds, int OperationsPerBatch, bool ThreadCpuTime, long AsynchronousCompletions);

/// <summary>
/// What a variant adds to the client's CPU and allocations per EF Core operation, measured so that a fraction of a
/// microsecond is visible. Everything a variant changes lies on the path every operation takes around its query:
/// building the options, creating the context (EF Core finds its internal service provider), creating the execution
/// strategy and running through it, taking a pooled connection and returning it, disposing the context. The query
/// itself is the same EF Core and Npgsql code for every variant. This runs that path through the asynchronous API the
/// CRUD workload uses, against a warm pool with no query sent, so every step completes without waiting and the whole
/// path runs on the calling thread, whose CPU clock and allocation counter then see that work and nothing else. The
/// two variants alternate in batches, the order swapped every round. The CRUD slices' whole-process CPU figure, by
/// contrast, moves by tens of microseconds from one concurrency to the next.
/// </summary>
internal static class ContextPathCost
{
    private const int OperationsPerBatch = 200;

    /// <summary>Measures <paramref name="variant"/> against <paramref name="baseline"/>, each a per-context options factory.</summary>
    public static Task<ContextPathCostFigures> MeasureAsync(
        string variantName, Func<DbContextOptions<BenchContext>> variant, string baselineName, Func<DbContextOptions<BenchContext>> baseline, int rounds, CancellationToken ct) =>
        // A dedicated thread: the batches block it for seconds, which a pool thread must not be.
        Task.Factory.StartNew(() => Measure(variantName, variant, baselineName, baseline, rounds, ct), ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private static ContextPathCostFigures Measure(
        string variantName, Func<DbContextOptions<BenchContext>> variant, string baselineName, Func<DbContextOptions<BenchContext>> baseline, int rounds, CancellationToken ct)
    {
        long asynchronous = 0;
        (double Ns, long Bytes) Batch(Func<DbContextOptions<BenchContext>> of)
        {
            var (ns, bytes, pending) = RunBatch(of, ct);
            asynchronous += pending;
            return (ns, bytes);
        }

        var series = PairedBatches.Run(() => Batch(variant), () => Batch(baseline), rounds, warmedUp: () => asynchronous = 0, ct);
        var deltas = series.SortedDeltas();
        var operations = (double)rounds * OperationsPerBatch;
        return new ContextPathCostFigures(
            variantName, baselineName, Median.Of(deltas), Median.Quantile(deltas, 0.25), Median.Quantile(deltas, 0.75),
            Median.Of(series.VariantNs), Median.Of(series.BaselineNs), (series.VariantBytes - series.BaselineBytes) / operations, rounds, OperationsPerBatch,
            CpuClock.IsAvailable, asynchronous);
    }

    private static (double NsPerOperation, long Bytes, int Asynchronous) RunBatch(Func<DbContextOptions<BenchContext>> options, CancellationToken ct)
    {
        var asynchronous = 0;
        var bytes = GC.GetAllocatedBytesForCurrentThread();
        var start = CpuClock.ThreadNs();
        for (var i = 0; i < OperationsPerBatch; i++)
        {
            var operation = OperationAsync(options, ct);
            if (!operation.IsCompleted)
            {
                asynchronous++;
            }

            operation.GetAwaiter().GetResult();
        }

        var elapsedNs = CpuClock.ThreadNs() - start;
        return (elapsedNs / (double)OperationsPerBatch, GC.GetAllocatedBytesForCurrentThread() - bytes, asynchronous);
    }

    private static async Task OperationAsync(Func<DbContextOptions<BenchContext>> options, CancellationToken ct)
    {
        await using var db = new BenchContext(options());
        _ = await db.Database.CreateExecutionStrategy().ExecuteAsync(0, OpenAndCloseAsync, verifySucceeded: null, ct).ConfigureAwait(false);
    }

    // Called as EF Core calls its strategy for a query or SaveChanges: its own state, no verification. (An operation
    // the application hands to the strategy through ExecutionStrategyExtensions is a unit of work, which
    // UseLakebase's strategy retries whole: another path, which ordinary operations do not take.)
    private static async Task<int> OpenAndCloseAsync(DbContext context, int state, CancellationToken ct)
    {
        await context.Database.OpenConnectionAsync(ct).ConfigureAwait(false);
        await context.Database.CloseConnectionAsync().ConfigureAwait(false);
        return state;
    }
}
