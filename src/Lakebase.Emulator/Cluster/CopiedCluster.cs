using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Lakebase.Emulator.Cluster;

/// <summary>
/// A private cluster copied from a running one (a branch, a hot standby): its private layout (0700 directories, its own
/// socket), the copy itself (<c>pg_basebackup</c> over the source's private socket, then a server started with the
/// emulator's settings), an immediate stop, a safety net for a host that exits without disposing, and the removal of
/// its files. One place for both kinds, so the copies stay configured and cleaned up alike.
/// </summary>
internal abstract class CopiedCluster : IAsyncDisposable
{
    /// <summary>The port number in socket file names; private clusters listen on no TCP port.</summary>
    protected const int SocketPortNumber = 5432;

    private readonly PostgresInstallation _installation;
    private readonly string _root;
    private bool _started;

    protected CopiedCluster(PostgresInstallation installation, string directoryPrefix, ILogger logger)
    {
        _installation = installation;
        _root = PrivateCluster.CreatePrivateTempDirectory(directoryPrefix);
        PrivateCluster.CreatePrivateDirectory(Path.Combine(_root, "socket"));
        Logger = logger;
    }

    public string Root => _root;

    public string DataDirectory => Path.Combine(_root, "pgdata");

    public string SocketDirectory => Path.Combine(_root, "socket");

    public string SocketPath => Path.Combine(SocketDirectory, $".s.PGSQL.{SocketPortNumber}");

    protected ILogger Logger { get; }

    protected CommandRunner Runner { get; } = new();

    private string LogFile => Path.Combine(_root, "postgres.log");

    /// <summary>An Npgsql connection string for the superuser, straight to this server (tests only).</summary>
    public string AdminConnectionString(string database) =>
        $"Host={SocketDirectory};Port={SocketPortNumber};Username={PrivateCluster.Superuser};Database={database};Pooling=false";

    /// <summary>Stops the server (immediately: its files are deleted next) and deletes them.</summary>
    public async ValueTask DisposeAsync()
    {
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;

        // A start cancelled part-way may have left a postmaster running (its pid file says so): stop it all the same.
        var wasStarted = _started;
        if (_started || File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
        {
            _started = false;
            try
            {
                await StopAsync().ConfigureAwait(false);
                await OnStoppedAsync(wasStarted).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is InvalidOperationException or IOException or System.Net.Sockets.SocketException or PostgresServerException)
            {
                Log.ClusterStopFailed(Logger, ex);
            }
        }

        BestEffortDirectory.TryDelete(_root);
    }

    /// <summary>
    /// Copies the server behind <paramref name="sourceSocketDirectory"/> (with <paramref name="backupArguments"/> for
    /// <c>pg_basebackup</c>) and starts the copy with <paramref name="serverSettings"/> on top of the emulator's: no TCP
    /// listener, a 0700 socket, fast and volatile (a copy never needs crash durability), the primary's limits (a hot
    /// standby needs <c>max_connections</c> at least as high).
    /// </summary>
    protected async Task CopyAndStartAsync(string sourceSocketDirectory, IEnumerable<string> backupArguments, IEnumerable<string> serverSettings, CancellationToken cancellationToken)
    {
        // As root the server runs as postgres: it gets the directories (still 0700), so no one else can reach the socket.
        await Runner.GiveToServerUserAsync(_root, recursive: true, cancellationToken).ConfigureAwait(false);

        List<string> backup =
        [
            "-h", sourceSocketDirectory, "-p", SocketPortNumber.ToString(CultureInfo.InvariantCulture), "-U", PrivateCluster.Superuser, "-w",
            "-D", DataDirectory, "-X", "stream", .. backupArguments, "-c", "fast", "--no-sync",
        ];
        if (_installation.MajorVersion >= 13)
        {
            backup.Add("--no-manifest");
        }

        await Runner.RunAsServerUserAsync(_installation.PgBasebackup, backup, cancellationToken).ConfigureAwait(false);

        var serverOptions = string.Join(' ', [
            "-c listen_addresses=''",
            $"-k {SocketDirectory}",
            $"-p {SocketPortNumber}",
            .. serverSettings,
            "-c fsync=off",
            "-c synchronous_commit=off",
            "-c full_page_writes=off",
            "-c max_connections=300",
            "-c shared_buffers=64MB",
            "-c unix_socket_permissions=0700",
        ]);
        await Runner.RunAsServerUserAsync(
            _installation.PgCtl,
            ["start", "-w", "-t", "30", "-s", "-D", DataDirectory, "-l", LogFile, "-o", serverOptions],
            cancellationToken).ConfigureAwait(false);
        _started = true;
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    /// <summary>After the server stopped on disposal; <paramref name="wasStarted"/> is false for a start cancelled part-way.</summary>
    protected virtual Task OnStoppedAsync(bool wasStarted) => Task.CompletedTask;

    private Task StopAsync() =>
        Runner.RunAsServerUserAsync(_installation.PgCtl, ["stop", "-w", "-s", "-D", DataDirectory, "-m", "immediate"], CancellationToken.None);

    // Safety net for a host that exits without disposing: never orphan a server.
    private void OnProcessExit(object? sender, EventArgs e)
    {
        if (_started)
        {
            _started = false;
            try
            {
                StopAsync().Wait(TimeSpan.FromSeconds(5));
            }
            catch (AggregateException)
            {
            }

            BestEffortDirectory.TryDelete(_root);
        }
    }
}
