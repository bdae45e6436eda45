using Lakebase.Emulator;

namespace Lakebase.Emulator.Cli;

/// <summary>
/// <c>--client-id</c> with its secret in <c>LAKEBASE_EMULATOR_CLIENT_SECRET</c>: an orchestrator (the Aspire hosting
/// integration) chooses the principal and hands the same values to the apps it starts, so the emulator need not print
/// them, and must not: the orchestrator shows this output in its dashboard and logs.
/// </summary>
internal static class HandedInPrincipal
{
    /// <summary>The principal to register first, or <see langword="null"/> without <c>--client-id</c>.</summary>
    /// <exception cref="FormatException">The secret variable is missing.</exception>
    public static EmulatedPrincipal? From(CliOptions cli, Func<string, string?> getVariable)
    {
        if (cli.ClientId is null)
        {
            return null;
        }

        var secret = getVariable(CliOptions.ClientSecretVariable);
        return string.IsNullOrWhiteSpace(secret)
            ? throw new FormatException($"--client-id needs the principal's secret in the {CliOptions.ClientSecretVariable} environment variable (it is never taken from the command line).")
            : new EmulatedPrincipal { ClientId = cli.ClientId, ClientSecret = secret };
    }

    /// <summary>The settings an app needs, without the secret the caller already has and without any token.</summary>
    public static void WriteReadyLines(LakebaseEmulator emulator, CliOptions cli)
    {
        Console.WriteLine($"# Lakebase emulator ready in {emulator.StartupTime.TotalMilliseconds:F0} ms (PostgreSQL {emulator.PostgresMajorVersion}); principal {cli.ClientId}, secret as handed in (not printed):");
        foreach (var (name, value) in emulator.GetEnvironmentVariables())
        {
            if (name is not ("DATABRICKS_CLIENT_SECRET" or "DATABRICKS_TOKEN"))
            {
                Console.WriteLine($"#   {name}={value}");
            }
        }

        if (cli.CaFile is { } caFile)
        {
            Console.WriteLine($"#   CA certificate also written to {caFile}");
        }

        Console.WriteLine($"# Admin (JSON only): {emulator.WorkspaceUrl}emulator/faults, emulator/counters. Running until Ctrl+C or SIGTERM.");
    }
}
