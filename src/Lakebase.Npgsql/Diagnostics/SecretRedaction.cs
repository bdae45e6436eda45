using System.Text.RegularExpressions;

namespace Lakebase.Npgsql.Diagnostics;

/// <summary>
/// Last line of defence for text shown outside the process (health output): messages are written without secrets, but
/// an inner exception from a user's token provider might quote one. Anything that looks like a bearer token, a
/// Databricks token (<c>dapi…</c>, <c>dose…</c>) or a JWT is masked, and the text is kept to one short line.
/// </summary>
internal static partial class SecretRedaction
{
    public static string OneLine(string text, int maxLength)
    {
        var line = Whitespace().Replace(text, " ").Trim();
        line = TokenLike().Replace(line, "***");
        return line.Length > maxLength ? line[..maxLength] + "..." : line;
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    // JWTs (three base64url parts), Databricks tokens, and long opaque base64/hex runs.
    [GeneratedRegex(@"eyJ[\w-]+\.[\w-]+\.[\w-]+|\b(?:dapi|dose|dkea)[0-9a-zA-Z-]{8,}|\b[A-Za-z0-9+/_-]{32,}={0,2}")]
    private static partial Regex TokenLike();
}
