using System.Diagnostics;

namespace Lakebase.Benchmarks.Measurement;

/// <summary>
/// Runs <c>workers</c> concurrent loops of an operation until a deadline. Every loop stops by itself at the
/// deadline; a hard timeout on top catches an operation that hangs (it would fail the scenario, not hang CI).
/// </summary>
internal static class LoadRunner
{
    private static readonly TimeSpan HangAllowance = TimeSpan.FromSeconds(60);

    // operation: (worker, sequence, ct) → the latency to record (it may time only part of its work).
    public static async Task<LoadResult> RunAsync(int workers, TimeSpan duration, Func<int, long, CancellationToken, Task<TimeSpan>> operation, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var deadline = started + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var perWorker = new WorkerTally[workers];
        var loops = Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
        {
            var tally = perWorker[w] = new WorkerTally();
            for (long i = 0; Stopwatch.GetTimestamp() < deadline && !ct.IsCancellationRequested; i++)
            {
                try
                {
                    var latency = await operation(w, i, ct).ConfigureAwait(false);
                    tally.LatenciesMs.Add(latency.TotalMilliseconds);
                }
                catch (Exception e) when (!ct.IsCancellationRequested)
                {
                    tally.Failures++;
                    tally.FirstError ??= $"{e.GetType().Name}: {e.GetBaseException().Message}";
                }
            }
        }, ct)).ToArray();

        await Task.WhenAll(loops).WaitAsync(duration + HangAllowance, ct).ConfigureAwait(false);
        var elapsed = Stopwatch.GetElapsedTime(started);
        var latencies = perWorker.SelectMany(t => t.LatenciesMs).ToList();
        return new LoadResult(
            latencies.Count,
            perWorker.Sum(t => t.Failures),
            elapsed,
            LatencySummary.From(latencies),
            perWorker.Select(t => t.FirstError).FirstOrDefault(e => e is not null),
            latencies);
    }

    /// <summary>Times the whole operation.</summary>
    public static Func<int, long, CancellationToken, Task<TimeSpan>> Timed(Func<int, long, CancellationToken, Task> operation) =>
        async (w, i, ct) =>
        {
            var start = Stopwatch.GetTimestamp();
            await operation(w, i, ct).ConfigureAwait(false);
            return Stopwatch.GetElapsedTime(start);
        };

    private sealed class WorkerTally
    {
        public List<double> LatenciesMs { get; } = new(4096);

        public long Failures { get; set; }

        public string? FirstError { get; set; }
    }
}
