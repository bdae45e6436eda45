using System.Diagnostics;
using System.Runtime.InteropServices;
using Lakebase.TestUtilities;

namespace Lakebase.Packaging.Tests.Infrastructure;

/// <summary>
/// The installed <c>lakebase-emulator</c> command, running in the background: its printed variables, and a stop by
/// SIGTERM (as a shell's kill does), which lets it shut down its private PostgreSQL server. Process.Kill would not.
/// </summary>
internal sealed class EmulatorToolProcess : IAsyncDisposable
{
    // The CLI's last line before it waits for a signal: every export line has been printed by then.
    private const string ReadyLine = "# Running until";
    private const int SigTerm = 15;

    private readonly Process _process;
    private readonly List<string> _output = [];
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private EmulatorToolProcess(Process process) => _process = process;

    /// <summary>Every <c>export NAME=value</c> the emulator printed, in order.</summary>
    public Dictionary<string, string> Variables { get; } = new(StringComparer.Ordinal);

    public static EmulatorToolProcess Start(string executable, string workingDirectory, IReadOnlyDictionary<string, string?> environment)
    {
        var startInfo = new ProcessStartInfo(executable)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        ProcessRunner.ApplyEnvironment(startInfo, environment);

        var emulator = new EmulatorToolProcess(new Process { StartInfo = startInfo, EnableRaisingEvents = true });
        emulator._process.OutputDataReceived += (_, e) => emulator.OnLine(e.Data);
        emulator._process.ErrorDataReceived += (_, e) => emulator.OnLine(e.Data);
        emulator._process.Exited += (_, _) => emulator._ready.TrySetException(
            new InvalidOperationException($"lakebase-emulator exited (code {emulator._process.ExitCode}) before it was ready."));
        emulator._process.Start();
        emulator._process.BeginOutputReadLine();
        emulator._process.BeginErrorReadLine();
        return emulator;
    }

    /// <summary>Waits for the ready line; the failure message carries the output with credentials scrubbed.</summary>
    public async Task WaitUntilReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await _ready.Task.WaitAsync(timeout, cancellationToken);
        }
        catch (Exception exception) when (exception is TimeoutException or InvalidOperationException)
        {
            Assert.Fail($"lakebase-emulator was not ready within {timeout} ({exception.Message}). Output:{Environment.NewLine}{ScrubbedOutput()}");
        }
    }

    /// <summary>The output so far, without the values of credentials.</summary>
    public string ScrubbedOutput()
    {
        lock (_output)
        {
            return Redaction.Scrub(string.Join(Environment.NewLine, _output), Variables.Where(v => Redaction.IsSecretName(v.Key)).Select(v => v.Value));
        }
    }

    /// <summary>SIGTERM, then waits for the exit; asserts it came in time and cleanly.</summary>
    public async Task StopAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (_process.HasExited)
        {
            Assert.Fail($"lakebase-emulator had already exited (code {_process.ExitCode}). Output:{Environment.NewLine}{ScrubbedOutput()}");
        }

        Assert.True(Kill(_process.Id, SigTerm) == 0, $"kill -TERM {_process.Id} failed (errno {Marshal.GetLastPInvokeError()}).");
        try
        {
            await _process.WaitForExitAsync(cancellationToken).WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"lakebase-emulator did not exit within {timeout} of SIGTERM. Output:{Environment.NewLine}{ScrubbedOutput()}");
        }

        _process.WaitForExit(); // flush the asynchronous output readers
        Assert.True(_process.ExitCode == 0, $"lakebase-emulator exited with code {_process.ExitCode} after SIGTERM. Output:{Environment.NewLine}{ScrubbedOutput()}");
    }

    /// <summary>A safety net for a failed test: never leave the emulator (and its PostgreSQL) running.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Kill(_process.Id, SigTerm);
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                await _process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Add(line);
            if (ShellExports.Parse(line) is { } variable)
            {
                Variables[variable.Key] = variable.Value;
            }
        }

        if (line.StartsWith(ReadyLine, StringComparison.Ordinal))
        {
            _ready.TrySetResult();
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
