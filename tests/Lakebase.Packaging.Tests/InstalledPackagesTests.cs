using System.Security.Cryptography;
using Lakebase.Packaging.Tests.Infrastructure;

namespace Lakebase.Packaging.Tests;

/// <summary>
/// The packages as a user gets them: a new console app adds Lakebase.EntityFrameworkCore from the feed, the emulator
/// is installed as a .NET tool and started, and the app, given exactly the variables the emulator printed, runs the
/// Databricks guide's first check, <c>SELECT current_user, current_database()</c>.
/// </summary>
public sealed class InstalledPackagesTests(PackedFeed feed)
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan EmulatorStartTimeout = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan EmulatorStopTimeout = TimeSpan.FromSeconds(30);

    private const string ConsumerProgram = """
        using Microsoft.EntityFrameworkCore;

        await using var db = new CheckDb();
        var rows = await db.Database
            .SqlQueryRaw<Identity>("SELECT current_user AS \"User\", current_database() AS \"Database\"")
            .ToListAsync();
        Console.WriteLine($"current_user={rows[0].User}");
        Console.WriteLine($"current_database={rows[0].Database}");

        sealed class CheckDb : DbContext
        {
            protected override void OnConfiguring(DbContextOptionsBuilder optionsBuilder) => optionsBuilder.UseLakebaseFromEnvironment();
        }

        sealed class Identity
        {
            public string User { get; set; } = "";

            public string Database { get; set; } = "";
        }
        """;

    [Fact]
    public async Task A_console_app_on_the_package_queries_the_emulator_installed_as_a_tool()
    {
        var ct = TestContext.Current.CancellationToken;
        var library = feed.Package("Lakebase.EntityFrameworkCore");
        var tool = feed.Package("Lakebase.Emulator.Tool");
        var environment = Dotnet.Environment(feed.PackagesFolder);

        // The consumer: `dotnet new console` + `dotnet add package`, outside the repository.
        var app = Path.Combine(feed.Root, "consumer");
        await Dotnet.RunAsync(feed.Root, environment, CommandTimeout, [], "new", "console", "--name", "LakebaseCheck", "--output", app, "--no-restore");
        await File.WriteAllTextAsync(Path.Combine(app, "nuget.config"), feed.ConsumerNuGetConfig(), ct);
        await Dotnet.RunAsync(app, environment, CommandTimeout, [], "add", "package", library.Id, "--version", library.Version);
        AssertInstalledFromTheFeed(library);
        await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), ConsumerProgram, ct);

        // The emulator: `dotnet tool install`, then the command it installs.
        var tools = Path.Combine(feed.Root, "tools");
        var toolConfig = Path.Combine(feed.Root, "tool.nuget.config");
        await File.WriteAllTextAsync(toolConfig, feed.FeedOnlyNuGetConfig(), ct);
        await Dotnet.RunAsync(feed.Root, environment, CommandTimeout, [],
            "tool", "install", "--tool-path", tools, "--add-source", feed.Feed, "--configfile", toolConfig, tool.Id, "--version", tool.Version);

        await using var emulator = EmulatorToolProcess.Start(Path.Combine(tools, "lakebase-emulator"), feed.Root, environment);
        await emulator.WaitUntilReadyAsync(EmulatorStartTimeout, ct);
        var secrets = emulator.Variables.Where(v => Redaction.IsSecretName(v.Key)).Select(v => v.Value).ToList();
        Assert.True(emulator.Variables.TryGetValue("DATABRICKS_CLIENT_ID", out var principal),
            $"The emulator printed no DATABRICKS_CLIENT_ID. Output:{Environment.NewLine}{emulator.ScrubbedOutput()}");

        // Every variable the emulator printed, passed through unchanged, and nothing else Lakebase-related.
        var appEnvironment = new Dictionary<string, string?>(environment);
        foreach (var (name, value) in emulator.Variables)
        {
            appEnvironment[name] = value;
        }

        var output = await Dotnet.RunAsync(app, appEnvironment, CommandTimeout, secrets, "run");

        var scrubbed = Redaction.Scrub(output, secrets);
        Assert.True(output.Contains($"current_user={principal}", StringComparison.Ordinal), $"The app did not log in as the emulator's principal:{Environment.NewLine}{scrubbed}");
        Assert.True(output.Contains("current_database=databricks_postgres", StringComparison.Ordinal), $"The app is not on databricks_postgres:{Environment.NewLine}{scrubbed}");

        // `lakebase doctor`, installed as a tool too, checks the same setup from the same variables and passes.
        var doctorTool = feed.Package("Lakebase.Tool");
        await Dotnet.RunAsync(feed.Root, environment, CommandTimeout, [],
            "tool", "install", "--tool-path", tools, "--add-source", feed.Feed, "--configfile", toolConfig, doctorTool.Id, "--version", doctorTool.Version);
        var doctor = await Lakebase.TestUtilities.ProcessRunner.RunAsync(Path.Combine(tools, "lakebase"), ["doctor"], feed.Root, appEnvironment, CommandTimeout, ct);
        var doctorOutput = Redaction.Scrub(doctor.Output, secrets);
        Assert.True(doctor.ExitCode == 0 && doctor.Output.Contains("Every check passed.", StringComparison.Ordinal),
            $"lakebase doctor exited {doctor.ExitCode}:{Environment.NewLine}{doctorOutput}");
        Assert.DoesNotContain(secrets, secret => doctor.Output.Contains(secret, StringComparison.Ordinal));
        await emulator.StopAsync(EmulatorStopTimeout, ct);
    }

    /// <summary>The restore took the package just packed, not a same-version copy from the user's packages folder.</summary>
    private void AssertInstalledFromTheFeed(PackedPackage package)
    {
        var id = package.Id.ToLowerInvariant();
        var installed = Path.Combine(feed.PackagesFolder, id, package.Version, $"{id}.{package.Version}.nupkg");
        Assert.True(File.Exists(installed) && Sha256(installed) == Sha256(package.Path),
            $"{package.Id} {package.Version} did not come from the packed feed: a copy in {feed.UserGlobalPackagesFolder} " +
            $"(the restore's fallback folder) shadows it. Delete {Path.Combine(feed.UserGlobalPackagesFolder, id, package.Version)}.");
    }

    private static string Sha256(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));
}
