namespace Lakebase.Benchmarks.Measurement;

/// <summary>Percentiles of one measurement's latencies, in milliseconds (nearest-rank).</summary>
internal sealed record LatencySummary(int Count, double P50Ms, double P99Ms, double MaxMs)
{
    public static LatencySummary Empty { get; } = new(0, double.NaN, double.NaN, double.NaN);

    public static LatencySummary From(List<double> latenciesMs)
    {
        if (latenciesMs.Count == 0)
        {
            return Empty;
        }

        latenciesMs.Sort();
        return new(latenciesMs.Count, Percentile(latenciesMs, 0.50), Percentile(latenciesMs, 0.99), latenciesMs[^1]);
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}
