using System.Diagnostics;

namespace Lakebase.Benchmarks.Tests;

/// <summary>
/// The CI smoke check of the benchmarks: <c>--quick</c> runs every scenario against the emulator and produces the
/// side-by-side table. It checks that the tool works, not the figures (those come from <c>--full</c>, see
/// docs/benchmarks.md): a busy CI machine makes timings meaningless.
/// </summary>
public sealed class QuickBenchmarkTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Quick_mode_runs_every_scenario_and_writes_the_side_by_side_table()
    {
        var root = RepositoryRoot();
        var table = Path.Combine(Path.GetTempPath(), $"lakebase-bench-{Guid.NewGuid():N}.md");
        var start = new ProcessStartInfo("dotnet")
        {
            // Release: BenchmarkDotNet refuses unoptimized code for the hot-path scenario.
            ArgumentList = { "run", "-c", "Release", "--project", Path.Combine(root, "bench", "Lakebase.Benchmarks"), "--", "--quick", "--output", table },
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(8));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        output.WriteLine(await stdout);
        output.WriteLine(await stderr);
        try
        {
            Assert.Equal(0, process.ExitCode);
            var markdown = await File.ReadAllTextAsync(table, TestContext.Current.CancellationToken);
            Assert.Contains("| scenario | metric | (a) static | (b) UseLakebase | (c) guide |", markdown, StringComparison.Ordinal);
            Assert.DoesNotContain("lbdb_", markdown, StringComparison.Ordinal); // no database token in the report
            Assert.DoesNotContain("-+", markdown, StringComparison.Ordinal); // a signed figure that rounds to zero reads "+0.0", not "-+0.0"

            // Every variant connects with the same settings: the report reads them back from the data sources (GSS
            // encryption negotiation included, which UseLakebase disables and Npgsql's default does not).
            Assert.Contains("Scenario 2: the effective Npgsql connection strings of (a), (b), (c), (a₀)", markdown, StringComparison.Ordinal);
            Assert.DoesNotContain("these differ:", markdown, StringComparison.Ordinal);

            // Scenario 2's comparison with bare UseNpgsql is judged, with the client cost per operation measured paired
            // on one thread (the figures themselves belong to --full).
            Assert.Single(markdown.Split('\n'), l => l.StartsWith("| 2: (b) with its defaults", StringComparison.Ordinal) && l.Contains("; paired, one thread: ", StringComparison.Ordinal));
            Assert.Contains("**Client cost per operation, paired.** What (b) UseLakebase adds against (a₀) static password, bare UseNpgsql", markdown, StringComparison.Ordinal);

            // Scenario 1's p99 is judged round against round: one ratio per round of the quick run's two.
            Assert.Single(markdown.Split('\n'), l => l.StartsWith("| 1: (b) p99 open latency", StringComparison.Ordinal) && l.Contains("median of the 2 rounds' p99 ratios (b)/(a)", StringComparison.Ordinal));

            // Scenario 7 ran: a first request after each kind of host start, judged.
            Assert.Contains("## 7. First request after a host starts", markdown, StringComparison.Ordinal);
            Assert.Single(markdown.Split('\n'), l => l.StartsWith("| 7: first request after start", StringComparison.Ordinal) && !l.Contains("not measured", StringComparison.Ordinal));

            // Scenario 6 ran, and its reads through PreferStandby reached the hot standby (routing is not a timing).
            Assert.Contains("## 6. Read routing", markdown, StringComparison.Ordinal);
            var routing = markdown.Split('\n').Single(l => l.StartsWith("| 6: PreferStandby reads served by the standby", StringComparison.Ordinal));
            Assert.EndsWith("| met |", routing.TrimEnd(), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(table);
        }
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Lakebase.EF.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Lakebase.EF.sln not found above " + AppContext.BaseDirectory);
    }
}
