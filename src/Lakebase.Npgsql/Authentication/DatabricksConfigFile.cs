namespace Lakebase.Npgsql.Authentication;

/// <summary>
/// Reads a profile from the Databricks configuration file (<c>~/.databrickscfg</c>), the INI file the Databricks
/// CLI writes, so a developer who has run <c>databricks auth login</c>/<c>configure</c> needs no other setup.
/// </summary>
internal static class DatabricksConfigFile
{
    public sealed record Profile(string? Host, string? ClientId, string? ClientSecret, string? Token);

    public static Profile? ReadProfile(Func<string, string?> getVariable, string? profileName)
    {
        var path = getVariable("DATABRICKS_CONFIG_FILE");
        if (string.IsNullOrWhiteSpace(path))
        {
            var home = getVariable("HOME") ?? getVariable("USERPROFILE");
            if (string.IsNullOrEmpty(home))
            {
                return null;
            }

            path = Path.Combine(home, ".databrickscfg");
        }

        if (!File.Exists(path))
        {
            return null;
        }

        var wanted = profileName ?? "DEFAULT";
        var values = ReadSection(File.ReadLines(path), wanted);
        return values is null
            ? null
            : new Profile(Get(values, "host"), Get(values, "client_id"), Get(values, "client_secret"), Get(values, "token"));
    }

    internal static Dictionary<string, string>? ReadSection(IEnumerable<string> lines, string section)
    {
        Dictionary<string, string>? found = null;
        var inSection = false;
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }

            if (line[0] == '[' && line[^1] == ']')
            {
                inSection = string.Equals(line[1..^1].Trim(), section, StringComparison.OrdinalIgnoreCase);
                if (inSection)
                {
                    found ??= new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                }

                continue;
            }

            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (inSection && equals > 0)
            {
                found![line[..equals].Trim()] = line[(equals + 1)..].Trim();
            }
        }

        return found;
    }

    private static string? Get(Dictionary<string, string> values, string key) =>
        values.TryGetValue(key, out var value) && value.Length > 0 ? value : null;
}
