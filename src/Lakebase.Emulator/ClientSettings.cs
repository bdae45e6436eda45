using System.Globalization;

namespace Lakebase.Emulator;

/// <summary>What a client needs to reach a running emulator: an Npgsql connection string, or the environment a Lakebase app reads.</summary>
internal static class ClientSettings
{
    /// <summary>Verified TLS: <c>SSL Mode=VerifyFull</c> against the emulator's CA file.</summary>
    public static string ConnectionString(LakebaseEmulator emulator, EmulatedPrincipal principal, string database) =>
        ConnectionString(emulator, emulator.Host, principal, database);

    /// <inheritdoc cref="ConnectionString(LakebaseEmulator, EmulatedPrincipal, string)"/>
    public static string ConnectionString(LakebaseEmulator emulator, string host, EmulatedPrincipal principal, string database) =>
        $"Host={host};Port={emulator.Port};Database={database};Username={principal.ClientId};SSL Mode=VerifyFull;Root Certificate={emulator.CaCertificatePath}";

    /// <summary>
    /// libpq's form, verified TLS. With <paramref name="readOnlyHost"/>: both endpoints' hosts and
    /// <c>target_session_attrs=read-only</c>, so libpq skips the primary and lands on the standby (libpq 14+).
    /// </summary>
    public static string PsqlConnectionInfo(LakebaseEmulator emulator, EmulatedPrincipal principal, string? readOnlyHost, string primaryHost = "localhost")
    {
        var hosts = readOnlyHost is null ? primaryHost : $"{primaryHost},{readOnlyHost}";
        var info = $"host={hosts} port={emulator.Port} dbname={emulator.Database} user={ConninfoValue(principal.ClientId)} sslmode=verify-full sslrootcert={ConninfoValue(emulator.CaCertificatePath)}";
        return readOnlyHost is null ? info : info + " target_session_attrs=read-only";
    }

    // A libpq conninfo value: single-quoted (backslash escapes) when it has spaces or quotes.
    private static string ConninfoValue(string value) =>
        value.Length == 0 || value.Any(c => char.IsWhiteSpace(c) || c is '\'' or '\\')
            ? "'" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'"
            : value;

    public static IReadOnlyDictionary<string, string> EnvironmentVariables(LakebaseEmulator emulator, EmulatedPrincipal principal) =>
        EnvironmentVariables(emulator, principal, emulator.EndpointName, emulator.Host);

    /// <summary>The same for the endpoint <paramref name="endpointName"/> at <paramref name="host"/> (a branch's).</summary>
    public static IReadOnlyDictionary<string, string> EnvironmentVariables(LakebaseEmulator emulator, EmulatedPrincipal principal, string endpointName, string host)
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["DATABRICKS_HOST"] = emulator.WorkspaceUrl.ToString().TrimEnd('/'),
            ["DATABRICKS_CLIENT_ID"] = principal.ClientId,
        };
        if (principal.ClientSecret is { } secret)
        {
            variables["DATABRICKS_CLIENT_SECRET"] = secret;
        }
        else if (principal.PersonalAccessToken is { } pat)
        {
            variables["DATABRICKS_TOKEN"] = pat;
        }

        variables["LAKEBASE_ENDPOINT"] = endpointName;
        variables["ENDPOINT_NAME"] = endpointName;
        variables["PGHOST"] = host;
        variables["PGPORT"] = emulator.Port.ToString(CultureInfo.InvariantCulture);
        variables["PGDATABASE"] = emulator.Database;
        variables["PGUSER"] = principal.ClientId;
        variables["PGSSLMODE"] = "verify-full";
        variables["PGSSLROOTCERT"] = emulator.CaCertificatePath;
        return variables;
    }
}
