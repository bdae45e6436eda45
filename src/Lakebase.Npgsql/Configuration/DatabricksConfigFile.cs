namespace Lakebase.Npgsql.Configuration;

/// <summary>
/// The Databricks configuration file (<c>~/.databrickscfg</c>, or <c>DATABRICKS_CONFIG_FILE</c> with <c>~</c> expanded),
/// the INI file <c>databricks auth login</c> and <c>databricks configure</c> write. Read as the Databricks SDKs read it:
/// profile (section) names are case-sensitive, values may be quoted (the quotes are dropped), <c>#</c>/<c>;</c> start a
/// comment at the start of a line or after a space, and <c>[__settings__] default_profile</c> names the default profile.
/// </summary>
internal sealed class DatabricksConfigFile
{
    /// <summary>The reserved section the CLI keeps its own settings in; never a profile.</summary>
    public const string SettingsSection = "__settings__";

    public const string DefaultProfile = "DEFAULT";

    private readonly Dictionary<string, Dictionary<string, string>> _sections;

    private DatabricksConfigFile(string path, Dictionary<string, Dictionary<string, string>> sections)
    {
        Path = path;
        _sections = sections;
    }

    public string Path { get; }

    public IReadOnlyCollection<string> Profiles => _sections.Keys.Where(k => k != SettingsSection).ToArray();

    /// <summary>The file's path: <paramref name="configured"/> (with <c>~</c> expanded) or <c>~/.databrickscfg</c>; null when there is no home directory.</summary>
    public static string? ResolvePath(string? configured, Func<string, string?> getVariable)
    {
        var path = string.IsNullOrWhiteSpace(configured) ? "~/.databrickscfg" : configured.Trim();
        if (path == "~" || path.StartsWith("~/", StringComparison.Ordinal) || path.StartsWith("~\\", StringComparison.Ordinal))
        {
            var home = getVariable("HOME") ?? getVariable("USERPROFILE");
            if (string.IsNullOrEmpty(home))
            {
                return null;
            }

            path = home + path[1..];
        }

        return path;
    }

    /// <summary>Reads the file, or returns null when it does not exist.</summary>
    public static DatabricksConfigFile? Load(string path) =>
        File.Exists(path) ? new DatabricksConfigFile(path, Parse(File.ReadLines(path))) : null;

    internal static DatabricksConfigFile Parse(string path, string text) =>
        new(path, Parse(text.Split('\n')));

    /// <summary>The profile <c>[__settings__] default_profile</c> names, if any.</summary>
    public string? SettingsDefaultProfile =>
        _sections.TryGetValue(SettingsSection, out var settings) && settings.TryGetValue("default_profile", out var name) && name.Length > 0 ? name : null;

    /// <summary>A profile's keys (lower case) and values, or null when the file has no such profile (names are case-sensitive).</summary>
    public IReadOnlyDictionary<string, string>? Profile(string name) =>
        name != SettingsSection && _sections.TryGetValue(name, out var values) && values.Count > 0 ? values : null;

    private static Dictionary<string, Dictionary<string, string>> Parse(IEnumerable<string> lines)
    {
        var sections = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        Dictionary<string, string>? current = null;
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }

            if (line[0] == '[')
            {
                var close = line.IndexOf(']', StringComparison.Ordinal);
                if (close > 1)
                {
                    var name = line[1..close].Trim();
                    if (!sections.TryGetValue(name, out current))
                    {
                        current = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                        sections[name] = current;
                    }
                }

                continue;
            }

            var equals = line.IndexOfAny(['=', ':']);
            if (current is null || equals <= 0)
            {
                continue;
            }

            current[line[..equals].Trim().ToLowerInvariant()] = Value(line[(equals + 1)..].Trim());
        }

        return sections;
    }

    private static string Value(string text)
    {
        if (text.Length >= 2 && text[0] is '"' or '\'' && text.IndexOf(text[0], 1) is var end and > 0)
        {
            // A quoted value keeps '#' and ';' inside the quotes.
            return text[1..end];
        }

        // Secrets may contain '#': only " #" or " ;" starts an inline comment, as the Go SDK's INI reader is configured.
        for (var i = 1; i < text.Length; i++)
        {
            if (text[i] is '#' or ';' && char.IsWhiteSpace(text[i - 1]))
            {
                return text[..i].TrimEnd();
            }
        }

        return text;
    }
}
