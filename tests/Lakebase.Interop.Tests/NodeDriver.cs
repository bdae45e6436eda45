using System.Reflection;
using System.Text.Json.Nodes;
using Lakebase.TestUtilities;

namespace Lakebase.Interop.Tests;

/// <summary>
/// The Node project in <c>node/</c>: Databricks' Lakebase driver pinned in package.json/package-lock.json, and
/// <c>interop.mjs</c>. Installs its packages on first use when <c>.ci/run</c> (or a developer) has not.
/// </summary>
internal static class NodeDriver
{
    private static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(1);
    private static readonly SemaphoreSlim InstallLock = new(1, 1);

    public static string ProjectDirectory { get; } = typeof(NodeDriver).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "NodeProjectDirectory").Value!;

    private static string Node => ProcessRunner.Locate("node")
        ?? throw new InvalidOperationException("Node.js is not installed: install it (apt-get install -y nodejs npm) to run the interop tests.");

    /// <summary>Runs <c>npm ci</c> unless the driver is already installed.</summary>
    public static async Task EnsureInstalledAsync()
    {
        await InstallLock.WaitAsync();
        try
        {
            if (File.Exists(Path.Combine(ProjectDirectory, "node_modules", "@databricks", "lakebase", "package.json")))
            {
                return;
            }

            var npm = ProcessRunner.Locate("npm")
                ?? throw new InvalidOperationException("npm is not installed: install it (apt-get install -y nodejs npm) to run the interop tests.");

            // npm needs this process's environment (PATH, HOME, its registry settings).
            ProcessRunner.Result result;
            try
            {
                result = await ProcessRunner.RunAsync(npm, ["ci", "--no-audit", "--no-fund"], ProjectDirectory, new Dictionary<string, string?>(), InstallTimeout,
                    TestContext.Current.CancellationToken);
            }
            catch (TimeoutException ex)
            {
                throw new InvalidOperationException($"Installing the Node driver timed out: run `npm ci` in {ProjectDirectory} by hand. {ex.Message}", ex);
            }

            if (result.ExitCode != 0)
            {
                throw new InvalidOperationException(
                    $"`npm ci` in {ProjectDirectory} failed with exit code {result.ExitCode}; run it by hand to see why. Last output:\n{Tail(result.Output)}");
            }
        }
        finally
        {
            InstallLock.Release();
        }
    }

    /// <summary>Runs <c>node interop.mjs</c> with exactly <paramref name="environment"/> (plus an empty HOME) and parses its JSON line.</summary>
    public static async Task<(ProcessRunner.Result Process, JsonObject Json)> RunInteropAsync(IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        await EnsureInstalledAsync();

        // An empty home: a developer's ~/.databrickscfg must not take part in what the emulator's environment configures.
        var home = Directory.CreateTempSubdirectory("lakebase-interop-home-");
        try
        {
            var env = environment.ToDictionary(v => v.Key, string? (v) => v.Value);
            env["HOME"] = home.FullName;
            var result = await ProcessRunner.RunAsync(Node, ["interop.mjs", .. arguments], ProjectDirectory, env, RunTimeout,
                TestContext.Current.CancellationToken, inheritEnvironment: false);
            var line = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault(l => l.StartsWith('{'));
            var json = line is null ? null : JsonNode.Parse(line) as JsonObject;
            return (result, json ?? throw new InvalidOperationException($"interop.mjs printed no JSON result (exit code {result.ExitCode}):\n{Tail(result.Output)}"));
        }
        finally
        {
            home.Delete(recursive: true);
        }
    }

    private static string Tail(string text) => text.Length <= 4000 ? text : text[^4000..];
}
