using System.Collections;
using System.Globalization;
using Lakebase.Benchmarks.Variants;
using Npgsql;

namespace Lakebase.Benchmarks.Reporting;

/// <summary>One connection setting whose value is not the same for every variant of a scenario.</summary>
internal sealed record SettingDifference(string Setting, IReadOnlyList<(VariantKind Variant, string Value)> Values);

/// <summary>
/// Compares the variants' effective Npgsql connection strings (what their opens really use, read back from the data
/// sources after warm-up), so the report's "same settings" sentence is derived from the run rather than asserted.
/// Settings absent from a string count as Npgsql's default (the builder's indexer reads them so).
/// </summary>
internal static class SettingsComparison
{
    // Expected to differ and irrelevant to cost: the per-measurement tag and the secret (never read, never printed).
    private static readonly HashSet<string> Ignored = new(StringComparer.OrdinalIgnoreCase) { "Application Name", "Password" };

    /// <summary>Settings every variant states, with their common value (for the report's list of what was compared).</summary>
    public static IReadOnlyList<string> Compared(IReadOnlyDictionary<VariantKind, string> connectionStrings) =>
        [.. Keys(connectionStrings).Where(k => !Ignored.Contains(k)).Order(StringComparer.Ordinal)];

    public static IReadOnlyList<SettingDifference> Differences(IReadOnlyDictionary<VariantKind, string> connectionStrings)
    {
        var builders = connectionStrings.OrderBy(p => p.Key).Select(p => (p.Key, Builder: new NpgsqlConnectionStringBuilder(p.Value))).ToList();
        return [.. Compared(connectionStrings)
            .Select(key => new SettingDifference(key, [.. builders.Select(b => (b.Key, Text(b.Builder, key)))]))
            .Where(d => d.Values.Select(v => v.Value).Distinct(StringComparer.Ordinal).Count() > 1)];
    }

    private static IEnumerable<string> Keys(IReadOnlyDictionary<VariantKind, string> connectionStrings) =>
        connectionStrings.Values.SelectMany(s => ((IEnumerable)new NpgsqlConnectionStringBuilder(s).Keys).Cast<string>()).Distinct(StringComparer.OrdinalIgnoreCase);

    private static string Text(NpgsqlConnectionStringBuilder builder, string key) =>
        builder.TryGetValue(key, out var value) ? Convert.ToString(value, CultureInfo.InvariantCulture) ?? "" : "";
}
