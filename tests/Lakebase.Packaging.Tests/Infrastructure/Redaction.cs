using System.Text.RegularExpressions;

namespace Lakebase.Packaging.Tests.Infrastructure;

/// <summary>
/// Makes process output safe for a test failure message: the emulator prints a client secret and a database token
/// (local, fake ones, but a failure message is no place for credentials of any kind).
/// </summary>
internal static partial class Redaction
{
    public static string Scrub(string text, IEnumerable<string>? secretValues = null)
    {
        var scrubbed = SecretAssignment().Replace(text, "$1=<redacted>");
        scrubbed = EmulatorToken().Replace(scrubbed, "$1<redacted>");
        foreach (var value in secretValues ?? [])
        {
            if (value.Length > 0)
            {
                scrubbed = scrubbed.Replace(value, "<redacted>", StringComparison.Ordinal);
            }
        }

        return scrubbed;
    }

    /// <summary>Whether a variable of this name holds a credential.</summary>
    public static bool IsSecretName(string name) =>
        name.Contains("SECRET", StringComparison.OrdinalIgnoreCase) || name.Contains("TOKEN", StringComparison.OrdinalIgnoreCase) ||
        name.Contains("PASSWORD", StringComparison.OrdinalIgnoreCase);

    // NAME=value where NAME contains SECRET, TOKEN or PASSWORD; the value is a shell word, possibly single-quoted.
    [GeneratedRegex(@"\b(\w*(?:SECRET|TOKEN|PASSWORD)\w*)=('(?:[^']|'\\'')*'|\S+)", RegexOptions.IgnoreCase)]
    private static partial Regex SecretAssignment();

    // The emulator's database (lbdb_) and workspace (lbws_) tokens, wherever they appear.
    [GeneratedRegex(@"\b(lb(?:db|ws)_)[A-Za-z0-9_\-\.~+/=]+")]
    private static partial Regex EmulatorToken();
}
