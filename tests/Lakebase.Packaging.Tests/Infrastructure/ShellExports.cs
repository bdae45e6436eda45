using System.Text;

namespace Lakebase.Packaging.Tests.Infrastructure;

/// <summary>Reads the <c>export NAME=value</c> lines the emulator CLI prints for a POSIX shell.</summary>
internal static class ShellExports
{
    private const string Prefix = "export ";

    /// <summary>The variable of an export line, or null for any other line.</summary>
    public static KeyValuePair<string, string>? Parse(string line)
    {
        if (!line.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var assignment = line[Prefix.Length..];
        var equals = assignment.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0)
        {
            throw new FormatException($"Not an assignment: an export line of {assignment.Split('=')[0]}");
        }

        var name = assignment[..equals];
        return new KeyValuePair<string, string>(name, Unquote(assignment[(equals + 1)..], name));
    }

    /// <summary>Undoes POSIX shell quoting: 'single-quoted' runs (with '\'' for a quote) and backslash escapes.</summary>
    private static string Unquote(string word, string name)
    {
        var value = new StringBuilder(word.Length);
        for (var i = 0; i < word.Length; i++)
        {
            switch (word[i])
            {
                case '\'':
                    var end = word.IndexOf('\'', i + 1);
                    if (end < 0)
                    {
                        throw new FormatException($"Unterminated quote in the value of {name}.");
                    }

                    value.Append(word, i + 1, end - i - 1);
                    i = end;
                    break;
                case '\\' when i + 1 < word.Length:
                    value.Append(word[++i]);
                    break;
                default:
                    value.Append(word[i]);
                    break;
            }
        }

        return value.ToString();
    }
}
