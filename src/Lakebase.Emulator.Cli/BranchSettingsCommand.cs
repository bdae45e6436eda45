using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Lakebase.Emulator.Cli;

/// <summary>
/// <c>lakebase-emulator branch-settings BRANCH [--workspace URL]</c>: asks a running emulator's admin API
/// (<c>GET /emulator/branch-settings/{branch}</c>) for a branch endpoint's settings and prints them as export lines and a
/// psql line. No secrets: the client's own credentials were printed when the emulator started.
/// </summary>
internal static class BranchSettingsCommand
{
    public const string Usage = """
        Usage: lakebase-emulator branch-settings BRANCH [--workspace URL]
          BRANCH            a branch id (ci-1234) or name (projects/local/branches/ci-1234) with an endpoint
          --workspace URL   the running emulator's workspace URL (default: $DATABRICKS_HOST)
        Prints LAKEBASE_ENDPOINT, ENDPOINT_NAME, PGHOST (the branch endpoint's own 127.0.0.N), PGPORT, PGDATABASE, PGUSER,
        PGSSLMODE and PGSSLROOTCERT as export lines, and a psql line (set PGPASSWORD to a database token).
        """;

    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        string? branch = null;
        var workspace = Environment.GetEnvironmentVariable("DATABRICKS_HOST");
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--help" or "-h":
                    Console.WriteLine(Usage);
                    return 0;
                case "--workspace" when i + 1 < args.Count:
                    workspace = args[++i];
                    break;
                case var value when !value.StartsWith('-') && branch is null:
                    branch = value;
                    break;
                default:
                    return UsageError($"Unexpected argument '{args[i]}'.");
            }
        }

        if (branch is null)
        {
            return UsageError("Name the branch, e.g. lakebase-emulator branch-settings ci-1234.");
        }

        if (!Uri.TryCreate(workspace, UriKind.Absolute, out var workspaceUrl) || workspaceUrl.Scheme != Uri.UriSchemeHttp)
        {
            return UsageError(workspace is null
                ? "No workspace URL: pass --workspace http://127.0.0.1:PORT or export DATABRICKS_HOST as the emulator printed it."
                : $"'{workspace}' is not the emulator's workspace URL (http://127.0.0.1:PORT).");
        }

        using var http = new HttpClient { Timeout = RequestTimeout };
        JsonObject settings;
        try
        {
            using var response = await http.GetAsync(new Uri(workspaceUrl, "/emulator/branch-settings/" + Uri.EscapeDataString(branch).Replace("%2F", "/", StringComparison.Ordinal)));
            var body = await response.Content.ReadFromJsonAsync<JsonObject>() ?? [];
            if (!response.IsSuccessStatusCode)
            {
                Console.Error.WriteLine($"lakebase-emulator: {body["message"]?.GetValue<string>() ?? $"the emulator answered {(int)response.StatusCode}"}");
                return 1;
            }

            settings = body;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException)
        {
            Console.Error.WriteLine($"lakebase-emulator: could not reach the emulator at {workspaceUrl}: {ex.Message}. Is it running?");
            return 1;
        }

        Console.WriteLine($"# Branch {settings["branch"]}, endpoint {settings["endpoint"]} ({settings["current_state"]}). Paste into a shell:");
        foreach (var (name, value) in settings["environment"]!.AsObject())
        {
            Console.WriteLine($"export {name}={ShellQuote(value!.GetValue<string>())}");
        }

        Console.WriteLine("# psql, with PGPASSWORD set to a database token (any endpoint's: tokens log in on every endpoint):");
        Console.WriteLine($"psql {ShellQuote(settings["psql"]!.GetValue<string>())}");
        return 0;
    }

    private static int UsageError(string message)
    {
        Console.Error.WriteLine($"lakebase-emulator: {message}");
        Console.Error.WriteLine(Usage);
        return 2;
    }

    private static string ShellQuote(string value) =>
        value.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:@=".Contains(c, StringComparison.Ordinal))
            ? value
            : "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
