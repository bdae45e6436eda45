using System.Text.RegularExpressions;

namespace Lakebase.Npgsql.Diagnostics;

/// <summary>
/// Last line of defence for text the library does not write itself: an inner exception from a user's token provider, or
/// the <c>message</c> / <c>error_description</c> a server sends, might quote a secret. Anything that looks like a bearer
/// token is masked: a JWT (Entra ID and OIDC tokens), a Databricks token (<c>dapi…</c>, <c>dose…</c>, <c>doa…</c>,
/// <c>dkea…</c>), an Entra ID client secret, or a long opaque base64/hex run. The text is kept to one short line.
/// </summary>
internal static partial class SecretRedaction
{
    /// <summary>The most of a server's error text kept in a message.</summary>
    public const int MaxServerTextLength = 300;

    public static string OneLine(string text, int maxLength)
    {
        var line = Whitespace().Replace(text, " ").Trim();
        line = TokenLike().Replace(line, match => IsIdentifier(match.Value) ? match.Value : "***");
        return line.Length > maxLength ? line[..maxLength] + "..." : line;
    }

    /// <summary>
    /// A server's error text (<c>message</c>, <c>error_description</c>) made fit for an exception message, a log line
    /// and <c>LastError</c>: redacted, one line, at most <see cref="MaxServerTextLength"/> characters.
    /// </summary>
    public static string? ServerText(string? text) => string.IsNullOrWhiteSpace(text) ? null : OneLine(text, MaxServerTextLength);

    // Long runs that are names, not secrets, and that a user needs in order to act on a message: UUIDs (client and
    // tenant ids) and lower-case resource paths (projects/.../branches/.../endpoints/...). A random token of this
    // length has upper-case letters, and the patterns above catch the hex Databricks ones by prefix.
    private static bool IsIdentifier(string run) =>
        Guid.TryParseExact(run, "D", out _)
        || (run.Contains('/', StringComparison.Ordinal) && ResourcePath().IsMatch(run));

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    // JWTs (three base64url parts; an unsigned one has an empty third), Databricks tokens by prefix, Entra ID client
    // secrets ("abc8Q~..."), and long opaque base64/hex runs.
    [GeneratedRegex(@"eyJ[\w-]+\.[\w-]+\.[\w-]*|\b(?:dapi|dose|doa[a-z]?|dkea)[0-9a-zA-Z_-]{8,}|[A-Za-z0-9_~.-]{3}\dQ~[A-Za-z0-9_~.-]{31,34}|\b[A-Za-z0-9+/_-]{32,}={0,2}")]
    private static partial Regex TokenLike();

    [GeneratedRegex(@"^[a-z0-9_-]{1,31}(?:/[a-z0-9_-]{1,31})+$")]
    private static partial Regex ResourcePath();
}
