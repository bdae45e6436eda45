using System.Net;
using System.Text.RegularExpressions;

namespace Lakebase.Npgsql.Configuration;

/// <summary>Normalizes the many ways people write a workspace host (with or without scheme, trailing slash).</summary>
internal static partial class WorkspaceUrl
{
    public static Uri? TryNormalize(string? host, out string? problem)
    {
        problem = null;
        if (string.IsNullOrWhiteSpace(host))
        {
            problem = "WorkspaceHost is not set: set DATABRICKS_HOST to your workspace URL, e.g. https://adb-1234567890123456.7.azuredatabricks.net.";
            return null;
        }

        var text = host.Trim();
        if (!text.Contains("://", StringComparison.Ordinal))
        {
            text = "https://" + text;
        }

        // A user name or password in the URL would travel into logs, messages and the CLI's --host argument (which
        // process listings show), and is never how Databricks authenticates: refuse it without repeating it.
        if (UserInfo().IsMatch(text))
        {
            problem = $"WorkspaceHost '{WithoutUserInfo(text)}' contains a user name or password before '@': remove it and give the workspace URL alone " +
                "(e.g. https://adb-1234567890123456.7.azuredatabricks.net). Credentials go in DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET " +
                "(or DATABRICKS_TOKEN), never in the URL.";
            return null;
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            problem = $"WorkspaceHost '{host}' is not a URL: expected something like https://adb-1234567890123456.7.azuredatabricks.net.";
            return null;
        }

        // Secrets go to this host in clear text over http: only a local emulator may use it.
        if (uri.Scheme == Uri.UriSchemeHttp && !IsLoopback(uri))
        {
            problem = $"WorkspaceHost '{host}' uses http:// for a remote host, which would send secrets unencrypted: use https://.";
            return null;
        }

        return new Uri(uri.GetLeftPart(UriPartial.Authority) + "/");
    }

    /// <summary>Whether two host spellings name the same workspace (scheme, host and port).</summary>
    public static bool SameWorkspace(string a, string b) =>
        TryNormalize(a, out _) is { } left && TryNormalize(b, out _) is { } right && left == right;

    /// <summary>The host text with anything before an '@' in its authority replaced by ***, for messages.</summary>
    internal static string WithoutUserInfo(string host) => UserInfo().Replace(host, "$1***@");

    internal static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));

    // Everything after the scheme up to the last '@'. A workspace URL has no '@' at all, and a password holding a '/'
    // or '#' would hide the end of the authority from a stricter pattern, so any '@' counts.
    [GeneratedRegex(@"^(\s*(?:[A-Za-z][A-Za-z0-9+.-]*://)?).*@", RegexOptions.Singleline)]
    private static partial Regex UserInfo();
}
