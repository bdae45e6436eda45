using System.Globalization;

namespace Lakebase.Benchmarks.Measurement;

/// <summary>Invariant-culture number formatting for the report.</summary>
internal static class Format
{
    public static string Duration(TimeSpan value) =>
        value.TotalMinutes >= 1 ? $"{value.TotalMinutes:0.#} min" : value.TotalSeconds >= 1 ? $"{value.TotalSeconds:0.#} s" : $"{value.TotalMilliseconds:0} ms";

    public static string Number(double value, string format = "0.0") =>
        double.IsNaN(value) ? "n/a" : value.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>Whole numbers, one per run, comma-separated; empty when there are none.</summary>
    public static string PerRun(IEnumerable<double>? values) =>
        values is null ? "" : string.Join(", ", values.Select(v => v.ToString("0", CultureInfo.InvariantCulture)));

    public static string Ratio(double value, double baseline) =>
        double.IsNaN(value) || double.IsNaN(baseline) || baseline == 0 ? "n/a" : (value / baseline).ToString("0.00", CultureInfo.InvariantCulture) + "×";
}
