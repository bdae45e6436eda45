using System.Globalization;

namespace Lakebase.Emulator;

/// <summary>What a client needs to reach a running emulator: an Npgsql connection string, or the environment a Lakebase app reads.</summary>
internal static class ClientSettings
{
    /// <summary>Verified TLS: <c>SSL Mode=VerifyFull</c> against the emulator's CA file.</summary>
    public static string ConnectionString(LakebaseEmulator emulator, EmulatedPrincipal principal, string database) =>
        $"Host={emulator.Host};Port={emulator.Port};Database={database};Username={principal.ClientId};SSL Mode=VerifyFull;Root Certificate={emulator.CaCertificatePath}";

    public static IReadOnlyDictionary<string, string> EnvironmentVariables(LakebaseEmulator emulator, EmulatedPrincipal principal)
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

        variables["LAKEBASE_ENDPOINT"] = emulator.EndpointName;
        variables["ENDPOINT_NAME"] = emulator.EndpointName;
        variables["PGHOST"] = emulator.Host;
        variables["PGPORT"] = emulator.Port.ToString(CultureInfo.InvariantCulture);
        variables["PGDATABASE"] = emulator.Database;
        variables["PGUSER"] = principal.ClientId;
        variables["PGSSLMODE"] = "verify-full";
        variables["PGSSLROOTCERT"] = emulator.CaCertificatePath;
        return variables;
    }
}
