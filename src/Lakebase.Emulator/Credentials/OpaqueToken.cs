using System.Security.Cryptography;

namespace Lakebase.Emulator.Credentials;

/// <summary>Random opaque token strings. The prefixes keep database and workspace tokens visibly distinct.</summary>
internal static class OpaqueToken
{
    public const string DatabasePrefix = "lbdb_";
    public const string WorkspacePrefix = "lbws_";

    public static string NewDatabaseToken() => DatabasePrefix + RandomPart();

    public static string NewWorkspaceToken() => WorkspacePrefix + RandomPart();

    // 32 random bytes, base64url: safe unquoted in shells and connection strings.
    private static string RandomPart() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
