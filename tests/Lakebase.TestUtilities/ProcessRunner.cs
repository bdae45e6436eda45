using System.Collections;
using System.Diagnostics;
using System.Text;

namespace Lakebase.TestUtilities;

/// <summary>Runs a command line tool to completion with a bounded time, capturing its output.</summary>
public static class ProcessRunner
{
    /// <summary>The outcome of a finished tool.</summary>
    /// <param name="ExitCode">The tool's exit code.</param>
    /// <param name="Output">Standard output and standard error together, line by line in the order they arrived.</param>
    /// <param name="StandardOutput">Standard output alone, line by line.</param>
    /// <param name="StandardError">Standard error alone, line by line.</param>
    public sealed record Result(int ExitCode, string Output, string StandardOutput, string StandardError)
    {
        /// <summary>The exit code and all output, for assertion messages.</summary>
        public override string ToString() => $"exit code {ExitCode}{Environment.NewLine}{Output}";
    }

    /// <summary>
    /// Runs the tool. In <paramref name="environment"/>, a null value removes that variable from the inherited ones;
    /// unless <paramref name="inheritEnvironment"/>, nothing is inherited and <paramref name="environment"/> is the whole
    /// environment, for tools that must not see the developer's shell settings at all.
    /// </summary>
    /// <exception cref="TimeoutException">The tool did not finish within <paramref name="timeout"/>; it was killed.</exception>
    public static async Task<Result> RunAsync(string fileName, IEnumerable<string> arguments, string workingDirectory,
        IReadOnlyDictionary<string, string?> environment, TimeSpan timeout, CancellationToken cancellationToken, bool inheritEnvironment = true)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        if (!inheritEnvironment)
        {
            startInfo.Environment.Clear();
        }

        ApplyEnvironment(startInfo, environment);

        var output = new StringBuilder();
        var standardOutput = new StringBuilder();
        var standardError = new StringBuilder();
        using var process = new Process { StartInfo = startInfo };
        process.OutputDataReceived += (_, e) => Append(output, standardOutput, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, standardError, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cancellation.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', startInfo.ArgumentList)} did not finish within {timeout}:{Environment.NewLine}{output}");
        }

        process.WaitForExit(); // flush the asynchronous output readers
        return new Result(process.ExitCode, output.ToString(), standardOutput.ToString(), standardError.ToString());
    }

    /// <summary>The full path of <paramref name="program"/> on PATH, else the first of <paramref name="fallbacks"/> that exists; null if none.</summary>
    public static string? Locate(string program, params IEnumerable<string> fallbacks)
    {
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, program));
        return onPath.Concat(fallbacks).FirstOrDefault(File.Exists);
    }

    /// <summary>
    /// Removes (null values) what would leak into a child process from this one: Lakebase settings of the developer's
    /// shell (DATABRICKS_*, PG*, LAKEBASE_ENDPOINT, ENDPOINT_NAME), and the MSBuild variables the test host sets, which
    /// would point a child `dotnet` command's own MSBuild at the wrong SDK pieces.
    /// </summary>
    public static Dictionary<string, string?> IsolatedEnvironment()
    {
        var environment = new Dictionary<string, string?>();
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            var name = (string)entry.Key;
            if (name.StartsWith("DATABRICKS_", StringComparison.Ordinal) || name.StartsWith("PG", StringComparison.Ordinal) ||
                name is "LAKEBASE_ENDPOINT" or "ENDPOINT_NAME" || name.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase))
            {
                environment[name] = null;
            }
        }

        return environment;
    }

    /// <summary>Sets the variables on <paramref name="startInfo"/>; a null value removes an inherited variable.</summary>
    public static void ApplyEnvironment(ProcessStartInfo startInfo, IReadOnlyDictionary<string, string?> environment)
    {
        foreach (var (name, value) in environment)
        {
            if (value is null)
            {
                startInfo.Environment.Remove(name);
            }
            else
            {
                startInfo.Environment[name] = value;
            }
        }
    }

    private static void Append(StringBuilder output, StringBuilder stream, string? line)
    {
        if (line is null)
        {
            return;
        }

        // Both readers append to output; one lock keeps its lines whole and in arrival order.
        lock (output)
        {
            output.AppendLine(line);
            stream.AppendLine(line);
        }
    }
}
