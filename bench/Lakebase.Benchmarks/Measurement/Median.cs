namespace Lakebase.Benchmarks.Measurement;

/// <summary>Median over repeated runs: one noisy run on a 2-core machine must not decide a comparison.</summary>
internal static class Median
{
    public static double Of(IEnumerable<double> values)
    {
        var sorted = values.Where(v => !double.IsNaN(v)).Order().ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /// <summary>The run whose <paramref name="key"/> is the median (a real run, so its figures belong together).</summary>
    public static T RunOf<T>(IReadOnlyList<T> runs, Func<T, double> key)
    {
        var ordered = runs.OrderBy(key).ToArray();
        return ordered[(ordered.Length - 1) / 2];
    }
}
