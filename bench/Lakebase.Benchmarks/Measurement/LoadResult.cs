namespace Lakebase.Benchmarks.Measurement;

/// <summary>What a timed load produced: successful operations, their latencies, failures.</summary>
internal sealed record LoadResult(long Operations, long Failures, TimeSpan Elapsed, LatencySummary Latency, string? FirstError, List<double> LatenciesMs)
{
    public double OpsPerSecond => Operations / Elapsed.TotalSeconds;
}
