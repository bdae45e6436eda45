using Npgsql;

namespace Lakebase.Npgsql.Configuration;

/// <summary>Reads SSL modes in libpq's spelling (<c>verify-full</c>) as well as Npgsql's (<c>VerifyFull</c>).</summary>
internal static class LakebaseSslModes
{
    public static bool TryParse(string? value, out SslMode mode) =>
        Enum.TryParse((value ?? string.Empty).Trim().Replace("-", string.Empty, StringComparison.Ordinal), ignoreCase: true, out mode)
        && Enum.IsDefined(mode);
}
