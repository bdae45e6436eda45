using System.Diagnostics;
using System.Text;

namespace Lakebase.Emulator.Cluster;

/// <summary>
/// Runs the PostgreSQL tools. As root it runs them as the <c>postgres</c> system user through <c>runuser</c>
/// (initdb and postgres refuse to run as root); otherwise it runs them directly.
/// </summary>
internal sealed class CommandRunner
{
    public const string ServiceUser = "postgres";

    public static bool IsRoot { get; } = !OperatingSystem.IsWindows() && Environment.UserName == "root";

    public Task<string> RunAsServerUserAsync(string executable, IEnumerable<string> arguments, CancellationToken cancellationToken) =>
        IsRoot
            ? RunAsync("runuser", ["-u", ServiceUser, "--", executable, .. arguments], cancellationToken)
            : RunAsync(executable, arguments, cancellationToken);

    /// <summary>Gives a path to the server user (only as root: otherwise the files are ours already).</summary>
    public async Task GiveToServerUserAsync(string path, bool recursive, CancellationToken cancellationToken)
    {
        if (!IsRoot)
        {
            return;
        }

        string[] args = recursive ? ["-R", $"{ServiceUser}:{ServiceUser}", path] : [$"{ServiceUser}:{ServiceUser}", path];
        await RunAsync("chown", args, cancellationToken).ConfigureAwait(false);
    }

    public static async Task<string> RunAsync(string executable, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        // Locale-independent messages, and no inherited PG* variables steering the tools elsewhere.
        info.Environment["LC_ALL"] = "C";
        foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("PG", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(name);
        }

        using var process = new Process { StartInfo = info };
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            throw;
        }

        string text;
        lock (output)
        {
            text = output.ToString();
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"'{Path.GetFileName(executable)} {string.Join(' ', info.ArgumentList)}' failed with exit code {process.ExitCode}:{Environment.NewLine}{text}");
        }

        return text;
    }
}
