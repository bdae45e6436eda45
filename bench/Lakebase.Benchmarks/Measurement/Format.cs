using System.Globalization;

namespace Lakebase.Benchmarks.Measurement;

/// <summary>Invariant-culture number formatting for the report.</summary>
internal static class Format
{
    public static string Duration(TimeSpan value) =>
        value.TotalMinutes >= 1 ? $"{value.TotalMinutes:0.#} min" : value.TotalSeconds >= 1 ? $"{value.TotalSeconds:0.#} s" : $"{value.TotalMilliseconds:0} ms";

    public static string Number(double value, string format = "0.0") =>
        double.IsNaN(value) ? "n/a" : RoundedForSections(value, format).ToString(format, CultureInfo.InvariantCulture);

    // A sectioned format ("+0.0;-0.0") picks its section before rounding, and .NET then writes a small negative value
    // that rounds to zero as "-+0.0". Rounding first to the first section's decimals lets zero take the zero (or the
    // first) section.
    private static double RoundedForSections(double value, string format)
    {
        if (!format.Contains(';', StringComparison.Ordinal) || double.IsInfinity(value))
        {
            return value;
        }

        var first = format.Split(';')[0];
        var dot = first.IndexOf('.', StringComparison.Ordinal);
        var decimals = dot < 0 ? 0 : first.Skip(dot + 1).TakeWhile(c => c is '0' or '#').Count();
        var rounded = Math.Round(value, decimals, MidpointRounding.AwayFromZero);
        return rounded == 0 ? 0 : rounded;
    }

    /// <summary>Whole numbers, one per run, comma-separated; empty when there are none.</summary>
    public static string PerRun(IEnumerable<double>? values) =>
        values is null ? "" : string.Join(", ", values.Select(v => v.ToString("0", CultureInfo.InvariantCulture)));

    public static string Ratio(double value, double baseline) =>
        double.IsNaN(value) || double.IsNaN(baseline) || baseline == 0 ? "n/a" : (value / baseline).ToString("0.00", CultureInfo.InvariantCulture) + "×";
}
