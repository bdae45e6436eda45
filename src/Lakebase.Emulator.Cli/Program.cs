using System.Runtime.InteropServices;
using Lakebase.Emulator;
using Lakebase.Emulator.Cli;
using Microsoft.Extensions.Logging;

// lakebase-emulator [--data-dir DIR] [--workspace-port N] [--postgres-port N] [--token-ttl 3s] [--suspend-after 60s] [--cold-start 300ms] [--read-replica] [--verbose]
// A subcommand against a running emulator: lakebase-emulator branch-settings BRANCH [--workspace URL]
if (args is ["branch-settings", .. var branchArgs])
{
    return await BranchSettingsCommand.RunAsync(branchArgs);
}

CliOptions cli;
try
{
    cli = CliOptions.Parse(args);
}
catch (FormatException ex)
{
    Console.Error.WriteLine($"lakebase-emulator: {ex.Message}");
    Console.Error.WriteLine(CliOptions.Usage);
    return 2;
}

if (cli.ShowHelp)
{
    Console.WriteLine(CliOptions.Usage);
    return 0;
}

EmulatedPrincipal? handedIn;
try
{
    handedIn = HandedInPrincipal.From(cli, Environment.GetEnvironmentVariable);
}
catch (FormatException ex)
{
    Console.Error.WriteLine($"lakebase-emulator: {ex.Message}");
    return 2;
}

using var loggerFactory = LoggerFactory.Create(b => b
    .AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; })
    .SetMinimumLevel(cli.Verbose ? LogLevel.Debug : LogLevel.Information));

var options = new LakebaseEmulatorOptions
{
    DataDirectory = cli.DataDirectory,
    WorkspacePort = cli.WorkspacePort,
    PostgresPort = cli.PostgresPort,
    SuspendAfter = cli.SuspendAfter,
    ReadReplica = cli.ReadReplica,
    LoggerFactory = loggerFactory,
};
if (cli.ColdStartDelay is { } coldStart)
{
    options.ColdStartDelay = coldStart;
}

if (handedIn is not null)
{
    options.Principals.Add(handedIn);
}

using var stop = new CancellationTokenSource();
// Ctrl+C and SIGTERM both end the run through disposal, which stops the private server.
using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    stop.Cancel();
}

await using var emulator = await LakebaseEmulator.StartAsync(options, stop.Token);
if (cli.TokenTtl is { } ttl)
{
    emulator.Faults.TokenLifetimeOverride = ttl;
}

if (cli.CaFile is { } caFile)
{
    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(caFile))!);
    File.Copy(emulator.CaCertificatePath, caFile, overwrite: true);
}

if (handedIn is not null)
{
    HandedInPrincipal.WriteReadyLines(emulator, cli);
    await WaitForStopAsync(stop.Token);
    Console.WriteLine("# Stopping.");
    DeleteCaFile(cli);
    return 0;
}

// Local fake credentials: printing them is the point.
Console.WriteLine($"# Lakebase emulator ready in {emulator.StartupTime.TotalMilliseconds:F0} ms (PostgreSQL {emulator.PostgresMajorVersion}). Paste into a shell:");
foreach (var (name, value) in emulator.GetEnvironmentVariables())
{
    Console.WriteLine($"export {name}={ShellQuote(value)}");
}

// Node's TLS ignores PGSSLROOTCERT; Databricks' Node driver verifies against Node's trust store plus this file.
var ca = ShellQuote(emulator.CaCertificatePath);
Console.WriteLine($"export NODE_EXTRA_CA_CERTS={ca}");
Console.WriteLine("# Node (@databricks/lakebase) accepts only PGSSLMODE=require|prefer|disable; its require verifies the certificate:");
Console.WriteLine("#   PGSSLMODE=require node app.mjs");
Console.WriteLine($"# Other tools (curl, Python, Go): trust the emulator's CA with SSL_CERT_FILE={ca} (it replaces their default CA bundle).");

var token = emulator.MintDatabaseToken(lifetime: cli.TokenTtl is { } t && t < TimeSpan.FromMinutes(10) ? TimeSpan.FromHours(1) : null);
Console.WriteLine();
Console.WriteLine($"# psql with a fresh database token (valid until {token.ExpiresAt:u}), verifying the server certificate:");
Console.WriteLine($"PGPASSWORD={ShellQuote(token.Token)} psql {ShellQuote(emulator.GetPsqlConnectionInfo())}");
if (emulator.HasReadReplica)
{
    // libpq tries the hosts in order and keeps the first in read-only mode: the hot standby.
    Console.WriteLine();
    Console.WriteLine($"# Read-only endpoint {emulator.ReadOnlyEndpointName} (a hot standby, host {emulator.ReadOnlyHost}, same port, same token):");
    Console.WriteLine($"PGPASSWORD={ShellQuote(token.Token)} psql {ShellQuote(emulator.GetPsqlConnectionInfo(readOnly: true))}");
}
Console.WriteLine();
Console.WriteLine($"# Admin (JSON only): curl -H 'Content-Type: application/json' {emulator.WorkspaceUrl}emulator/faults -d '{{\"api_latency_ms\":200}}'   (also revoke-tokens, drop-sessions, restart, suspend with -d '{{}}'; GET counters){(emulator.HasReadReplica ? "; replica: read-replica/{suspend,stop,start,lag}" : string.Empty)}");
Console.WriteLine("# Running until Ctrl+C.");

try
{
    await Task.Delay(Timeout.Infinite, stop.Token);
}
catch (OperationCanceledException)
{
}

Console.WriteLine("# Stopping.");
DeleteCaFile(cli);
return 0;

static async Task WaitForStopAsync(CancellationToken stopping)
{
    try
    {
        await Task.Delay(Timeout.Infinite, stopping);
    }
    catch (OperationCanceledException)
    {
    }
}

// The copy written for --ca-file belongs to this run: the next run has a new CA (unless --data-dir keeps it).
static void DeleteCaFile(CliOptions cli)
{
    if (cli.CaFile is { } path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
    }
}

static string ShellQuote(string value) =>
    value.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:@=".Contains(c, StringComparison.Ordinal))
        ? value
        : "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
