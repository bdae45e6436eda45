using System.Net;

namespace Lakebase.Npgsql.Authentication;

/// <summary>Normalizes the many ways people write a workspace host (with or without scheme, trailing slash).</summary>
internal static class WorkspaceUrl
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

    internal static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
}
