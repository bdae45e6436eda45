using System.Globalization;

namespace Lakebase.Emulator.Cli;

/// <summary>The command line, parsed by hand: a handful of flags does not need a parser library.</summary>
internal sealed record CliOptions
{
    public const string Usage = """
        Usage: lakebase-emulator [options]
          --data-dir DIR         keep the cluster and principals in DIR (default: temporary, deleted on exit)
          --workspace-port N     HTTP port of the workspace API (default: free port)
          --postgres-port N      TLS PostgreSQL port (default: free port)
          --token-ttl DURATION   lifetime of minted database tokens, e.g. 3s, 5m (default: 1h)
          --suspend-after DUR    scale to zero after this idle time, e.g. 60s (default: never)
          --cold-start DUR       wake-up delay after a suspend (default: 300ms)
          --read-replica         add a read-only endpoint on a hot standby (127.0.0.2, same port)
          --client-id ID         register this service principal first (the project owner), its secret read from
                                 the LAKEBASE_EMULATOR_CLIENT_SECRET variable (never from the command line); its
                                 secret and tokens are then not printed (for orchestrators such as Aspire)
          --ca-file PATH         also write the CA certificate (PEM) to PATH at start; deleted at exit
          --verbose              debug logging
          --help                 this text
        """;

    public string? DataDirectory { get; init; }

    public int WorkspacePort { get; init; }

    public int PostgresPort { get; init; }

    public TimeSpan? TokenTtl { get; init; }

    public TimeSpan? SuspendAfter { get; init; }

    public TimeSpan? ColdStartDelay { get; init; }

    public bool ReadReplica { get; init; }

    /// <summary>The variable <c>--client-id</c> reads its secret from: a command line is visible to every local user.</summary>
    public const string ClientSecretVariable = "LAKEBASE_EMULATOR_CLIENT_SECRET";

    public string? ClientId { get; init; }

    public string? CaFile { get; init; }

    public bool Verbose { get; init; }

    public bool ShowHelp { get; init; }

    public static CliOptions Parse(IReadOnlyList<string> args)
    {
        var options = new CliOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new FormatException($"{arg} needs a value.");
            options = arg switch
            {
                "--data-dir" => options with { DataDirectory = Value() },
                "--workspace-port" => options with { WorkspacePort = ParsePort(arg, Value()) },
                "--postgres-port" => options with { PostgresPort = ParsePort(arg, Value()) },
                "--token-ttl" => options with { TokenTtl = ParseDuration(arg, Value()) },
                "--suspend-after" => options with { SuspendAfter = ParseDuration(arg, Value()) },
                "--cold-start" => options with { ColdStartDelay = ParseDuration(arg, Value()) },
                "--read-replica" => options with { ReadReplica = true },
                "--client-id" => options with { ClientId = NonEmpty(arg, Value()) },
                "--ca-file" => options with { CaFile = NonEmpty(arg, Value()) },
                "--verbose" or "-v" => options with { Verbose = true },
                "--help" or "-h" => options with { ShowHelp = true },
                _ => throw new FormatException($"Unknown option '{arg}'."),
            };
        }

        return options;
    }

    private static string NonEmpty(string name, string value) =>
        string.IsNullOrWhiteSpace(value) ? throw new FormatException($"{name} needs a non-empty value.") : value;

    private static int ParsePort(string name, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 0 and <= 65535
            ? port
            : throw new FormatException($"{name}: '{value}' is not a port number.");

    /// <summary>Parses "250ms", "3s", "5m", "1h" (a bare number means seconds).</summary>
    public static TimeSpan ParseDuration(string name, string value)
    {
        (string Suffix, double Scale)[] units = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), (string.Empty, 1)];
        foreach (var (suffix, scale) in units)
        {
            if (value.EndsWith(suffix, StringComparison.Ordinal)
                && double.TryParse(value.AsSpan(0, value.Length - suffix.Length), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                return TimeSpan.FromSeconds(number * scale);
            }
        }

        throw new FormatException($"{name}: '{value}' is not a duration such as 250ms, 3s, 5m or 1h.");
    }
}
