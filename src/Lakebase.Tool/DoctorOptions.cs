namespace Lakebase.Tool;

/// <summary>The command line of <c>lakebase doctor</c>; anything not given comes from the environment, as for a data source.</summary>
internal sealed record DoctorOptions(string? Endpoint, string? Profile, string? Host, string? User, string? RootCertificate, bool Json)
{
    public const string Usage = """
        Usage: lakebase doctor [--endpoint <projects/.../endpoints/...>] [--profile <name>] [--host <host>] [--user <role>]
                               [--root-certificate <pem>] [--json]

        Checks a Lakebase setup end to end from the settings Lakebase.Npgsql reads: these options, then LAKEBASE_ENDPOINT,
        DATABRICKS_* (and ~/.databrickscfg) and PG*. Exit code 0 only when no check fails.
        """;

    public static DoctorOptions Parse(IReadOnlyList<string> args, out string? problem)
    {
        string? endpoint = null, profile = null, host = null, user = null, root = null;
        var json = false;
        problem = null;
        for (var i = 0; i < args.Count; i++)
        {
            string? Value() => i + 1 < args.Count ? args[++i] : null;
            switch (args[i])
            {
                case "--endpoint": endpoint = Value(); break;
                case "--profile": profile = Value(); break;
                case "--host": host = Value(); break;
                case "--user": user = Value(); break;
                case "--root-certificate": root = Value(); break;
                case "--json": json = true; break;
                default:
                    problem = $"Unknown option '{args[i]}'.";
                    return new DoctorOptions(null, null, null, null, null, json);
            }
        }

        if (new[] { endpoint, profile, host, user, root }.Any(v => v is { Length: 0 }) || args.Count > 0 && args[^1] is "--endpoint" or "--profile" or "--host" or "--user" or "--root-certificate")
        {
            problem = $"The option '{args[^1]}' needs a value.";
        }

        return new DoctorOptions(endpoint, profile, host, user, root, json);
    }
}
