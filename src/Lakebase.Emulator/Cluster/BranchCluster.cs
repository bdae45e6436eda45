using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Lakebase.Emulator.Cluster;

/// <summary>
/// The private PostgreSQL server of a branch: a base backup of its parent's private server (<c>pg_basebackup</c> as
/// the superuser over the parent's private socket, WAL streamed alongside), started as a primary of its own, not a
/// standby: no <c>standby.signal</c>, no slot, no replication afterwards, so later writes on either side stay apart.
/// It follows the other clusters' rules: its own private socket directory, trust auth reachable only by the server's
/// user, 0700 directories. Always temporary (in RAM when possible) and deleted with the branch.
/// </summary>
internal sealed class BranchCluster : IAsyncDisposable
{
    private const int SocketPortNumber = ClusterCopy.SocketPortNumber;

    private readonly PostgresInstallation _installation;
    private readonly CommandRunner _runner = new();
    private readonly ILogger _logger;
    private readonly string _root;
    private bool _started;

    private BranchCluster(PostgresInstallation installation, string root, ILogger logger)
    {
        _installation = installation;
        _root = root;
        _logger = logger;
    }

    public string Root => _root;

    public string DataDirectory => Path.Combine(_root, "pgdata");

    public string SocketDirectory => Path.Combine(_root, "socket");

    public string SocketPath => Path.Combine(SocketDirectory, $".s.PGSQL.{SocketPortNumber}");

    private string LogFile => Path.Combine(_root, "postgres.log");

    /// <summary>An Npgsql connection string for the superuser, straight to the branch's server (tests only).</summary>
    public string AdminConnectionString(string database) =>
        $"Host={SocketDirectory};Port={SocketPortNumber};Username={PrivateCluster.Superuser};Database={database};Pooling=false";

    /// <summary>Lays out the private directories; <see cref="CopyAndStartAsync"/> copies the parent and starts the copy.</summary>
    public static BranchCluster Create(PostgresInstallation installation, ILogger logger)
    {
        var root = PrivateCluster.CreatePrivateTempDirectory("lakebase-branch-");
        PrivateCluster.CreatePrivateDirectory(Path.Combine(root, "socket"));
        return new BranchCluster(installation, root, logger);
    }

    /// <summary>Copies the running server whose socket is in <paramref name="parentSocketDirectory"/> and starts the copy as a primary.</summary>
    public async Task CopyAndStartAsync(string parentSocketDirectory, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        await _runner.GiveToServerUserAsync(_root, recursive: true, cancellationToken).ConfigureAwait(false);

        // Without -R there is no standby.signal: the copy replays the streamed WAL up to the end of the backup, then
        // runs as a primary. -X stream uses a temporary slot on the parent, gone when the backup ends.
        await ClusterCopy.BackupAsync(_runner, _installation, parentSocketDirectory, DataDirectory, [], cancellationToken).ConfigureAwait(false);
        await ClusterCopy.StartAsync(_runner, _installation, DataDirectory, SocketDirectory, LogFile, [], cancellationToken).ConfigureAwait(false);
        _started = true;
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
        Log.BranchClusterStarted(_logger, SocketDirectory, stopwatch.ElapsedMilliseconds);
    }

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

    private Task StopAsync() =>
        _runner.RunAsServerUserAsync(_installation.PgCtl, ["stop", "-w", "-s", "-D", DataDirectory, "-m", "immediate"], CancellationToken.None);

    /// <summary>Stops the branch's server (immediately: it is deleted anyway) and deletes its files.</summary>
    public async ValueTask DisposeAsync()
    {
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;

        // A start cancelled part-way may have left a postmaster running (its pid file says so): stop it all the same.
        if (_started || File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
        {
            _started = false;
            try
            {
                await StopAsync().ConfigureAwait(false);
            }
            catch (InvalidOperationException ex)
            {
                Log.ClusterStopFailed(_logger, ex);
            }
        }

        BestEffortDirectory.TryDelete(_root);
    }
}
