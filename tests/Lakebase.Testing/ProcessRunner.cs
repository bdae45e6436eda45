using System.Collections;
using System.Diagnostics;
using System.Text;

namespace Lakebase.Testing;

/// <summary>Runs a command line tool to completion with a bounded time, capturing its output.</summary>
public static class ProcessRunner
{
    public sealed record Result(int ExitCode, string Output)
    {
        public override string ToString() => $"exit code {ExitCode}{Environment.NewLine}{Output}";
    }

    /// <summary>Runs the tool; in <c>environment</c>, a null value removes that variable from the inherited ones.</summary>
    /// <exception cref="TimeoutException">The tool did not finish within <paramref name="timeout"/>; it was killed.</exception>
    public static async Task<Result> RunAsync(string fileName, IEnumerable<string> arguments, string workingDirectory,
        IReadOnlyDictionary<string, string?> environment, TimeSpan timeout, CancellationToken cancellationToken)
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

        ApplyEnvironment(startInfo, environment);

        var output = new StringBuilder();
        using var process = new Process { StartInfo = startInfo };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
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
        return new Result(process.ExitCode, output.ToString());
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

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }
}
