using System.Diagnostics;

namespace Lakebase.Interop.Tests;

/// <summary>The outcome of a finished external process.</summary>
internal sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError)
{
    public string AllOutput => StandardOutput + StandardError;
}

/// <summary>Runs a tool with a chosen environment and a time limit; a process over its limit is killed with its children.</summary>
internal static class ExternalProcess
{
    /// <summary>Runs <paramref name="fileName"/> to completion; its <paramref name="environment"/> is the whole environment unless <paramref name="inheritEnvironment"/>, then additions.</summary>
    public static async Task<ProcessResult> RunAsync(
        string fileName, IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string> environment,
        TimeSpan timeout, bool inheritEnvironment = false)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        if (!inheritEnvironment)
        {
            start.Environment.Clear();
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Path.GetFileName(fileName)} {string.Join(' ', arguments)} did not finish within {timeout.TotalSeconds:F0} s.");
        }

        return new ProcessResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>The full path of a program on PATH, else the first existing fallback path; <see langword="null"/> if none.</summary>
    public static string? Locate(string program, params IEnumerable<string> fallbacks)
    {
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, program));
        return onPath.Concat(fallbacks).FirstOrDefault(File.Exists);
    }
}
