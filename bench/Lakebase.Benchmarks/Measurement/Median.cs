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

    /// <summary>Linear-interpolated quantile of sorted values: the spread of per-round ratios shows the noise floor.</summary>
    public static double Quantile(IReadOnlyList<double> sorted, double q)
    {
        if (sorted.Count == 0)
        {
            return double.NaN;
        }

        var position = q * (sorted.Count - 1);
        var low = (int)Math.Floor(position);
        var high = Math.Min(low + 1, sorted.Count - 1);
        return sorted[low] + ((sorted[high] - sorted[low]) * (position - low));
    }

    /// <summary>The run whose <paramref name="key"/> is the median (a real run, so its figures belong together).</summary>
    public static T RunOf<T>(IReadOnlyList<T> runs, Func<T, double> key)
    {
        var ordered = runs.OrderBy(key).ToArray();
        return ordered[(ordered.Length - 1) / 2];
    }
}
