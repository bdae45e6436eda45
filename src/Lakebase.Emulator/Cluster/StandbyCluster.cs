using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Lakebase.Emulator.Cluster;

/// <summary>
/// A real PostgreSQL hot standby of the private cluster, behind the read-only endpoint: a base backup of the primary
/// (<c>pg_basebackup</c> as the superuser over the primary's private socket), streaming from it through a physical
/// replication slot, so WAL it has not replayed yet is kept while it lags. It follows the primary's rules: its own
/// private socket directory, trust auth reachable only by the server's user, 0700 directories. Always temporary (in
/// RAM when possible): it is a copy, made afresh at every start, even when the primary keeps a data directory.
/// </summary>
internal sealed class StandbyCluster : IAsyncDisposable
{
    public const string SlotName = "lakebase_emulator_replica";

    private const int SocketPortNumber = ClusterCopy.SocketPortNumber;

    private static readonly TimeSpan SettingTimeout = TimeSpan.FromSeconds(10);

    private readonly PrivateCluster _primary;
    private readonly CommandRunner _runner = new();
    private readonly ILogger _logger;
    private readonly string _root;
    private bool _started;

    private StandbyCluster(PrivateCluster primary, string root, ILogger logger)
    {
        _primary = primary;
        _root = root;
        _logger = logger;
    }

    public string DataDirectory => Path.Combine(_root, "pgdata");

    public string SocketDirectory => Path.Combine(_root, "socket");

    public string SocketPath => Path.Combine(SocketDirectory, $".s.PGSQL.{SocketPortNumber}");

    private string LogFile => Path.Combine(_root, "postgres.log");

    /// <summary>An Npgsql connection string for the superuser, straight to the standby (tests only).</summary>
    public string AdminConnectionString(string database) =>
        $"Host={SocketDirectory};Port={SocketPortNumber};Username={PrivateCluster.Superuser};Database={database};Pooling=false";

    /// <summary>Lays out the private directories; <see cref="StartAsync"/> copies the primary and starts the standby.</summary>
    public static StandbyCluster Create(PrivateCluster primary, ILogger logger)
    {
        var root = PrivateCluster.CreatePrivateTempDirectory("lakebase-replica-");
        PrivateCluster.CreatePrivateDirectory(Path.Combine(root, "socket"));
        return new StandbyCluster(primary, root, logger);
    }

    /// <summary>Copies the running primary and starts the copy as a hot standby; the primary must be up.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var installation = _primary.Installation;

        // As root the server runs as postgres: it gets the directories (still 0700), so no one else can reach the socket.
        await _runner.GiveToServerUserAsync(_root, recursive: true, cancellationToken).ConfigureAwait(false);

        // A slot left by a run that did not stop cleanly would keep WAL for a standby that no longer exists.
        await using (var primary = await ConnectPrimaryAsync(cancellationToken).ConfigureAwait(false))
        {
            await primary.ExecuteAsync(
                $"SELECT pg_catalog.pg_drop_replication_slot(slot_name) FROM pg_catalog.pg_replication_slots WHERE slot_name = '{SlotName}'",
                cancellationToken).ConfigureAwait(false);
        }

        // -R writes standby.signal and primary_conninfo (the primary's socket); -C -S creates the slot it streams from.
        await ClusterCopy.BackupAsync(_runner, installation, _primary.SocketDirectory, DataDirectory, ["-R", "-C", "-S", SlotName], cancellationToken).ConfigureAwait(false);
        await ClusterCopy.StartAsync(_runner, installation, DataDirectory, SocketDirectory, LogFile, ["-c hot_standby=on"], cancellationToken).ConfigureAwait(false);
        _started = true;
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
        Log.StandbyStarted(_logger, SocketDirectory, stopwatch.ElapsedMilliseconds);
    }

    /// <summary>
    /// Holds back replay of every commit until it is <paramref name="delay"/> old (<c>recovery_min_apply_delay</c>,
    /// reloaded, no restart); <see cref="TimeSpan.Zero"/> replays at once again, including what was held back.
    /// Returns once the server has reloaded the setting.
    /// </summary>
    public async Task SetApplyDelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        var milliseconds = ((long)Math.Ceiling(delay.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture);
        await using (var standby = await ConnectAsync(cancellationToken).ConfigureAwait(false))
        {
            // Separate statements: ALTER SYSTEM refuses to run in the implicit transaction of a multi-statement query.
            await standby.ExecuteAsync($"ALTER SYSTEM SET recovery_min_apply_delay = '{milliseconds}ms'", cancellationToken).ConfigureAwait(false);
            await standby.ExecuteAsync("SELECT pg_catalog.pg_reload_conf()", cancellationToken).ConfigureAwait(false);
        }

        // The reload is a signal: a new session shows the value once the server (and so the replaying process) has it.
        await WaitUntilAsync(
            async ct =>
            {
                await using var check = await ConnectAsync(ct).ConfigureAwait(false);
                var rows = await check.QueryAsync("SELECT setting FROM pg_catalog.pg_settings WHERE name = 'recovery_min_apply_delay'", ct).ConfigureAwait(false);
                return rows[0][0] == milliseconds;
            },
            "the standby to reload recovery_min_apply_delay",
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Waits until the standby has replayed everything the primary has written so far (roles, grants, databases).</summary>
    public async Task WaitForReplayAsync(CancellationToken cancellationToken)
    {
        string target;
        await using (var primary = await ConnectPrimaryAsync(cancellationToken).ConfigureAwait(false))
        {
            target = (await primary.QueryAsync("SELECT pg_catalog.pg_current_wal_insert_lsn()", cancellationToken).ConfigureAwait(false))[0][0]!;
        }

        await using var standby = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        await WaitUntilAsync(
            async ct => (await standby.QueryAsync($"SELECT pg_catalog.pg_last_wal_replay_lsn() >= '{target}'::pg_lsn", ct).ConfigureAwait(false))[0][0] == "t",
            $"the standby to replay the primary's WAL up to {target}",
            cancellationToken).ConfigureAwait(false);
    }

    public Task<SimpleQueryClient> ConnectAsync(CancellationToken cancellationToken) =>
        SimpleQueryClient.ConnectAsync(SocketPath, PrivateCluster.Superuser, "postgres", cancellationToken);

    private Task<SimpleQueryClient> ConnectPrimaryAsync(CancellationToken cancellationToken) =>
        SimpleQueryClient.ConnectAsync(_primary.SocketPath, PrivateCluster.Superuser, "postgres", cancellationToken);

    private static async Task WaitUntilAsync(Func<CancellationToken, Task<bool>> condition, string what, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        while (!await condition(cancellationToken).ConfigureAwait(false))
        {
            if (Stopwatch.GetElapsedTime(started) > SettingTimeout)
            {
                throw new TimeoutException($"Timed out after {SettingTimeout.TotalSeconds:0} s waiting for {what}.");
            }

            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }
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
        _runner.RunAsServerUserAsync(_primary.Installation.PgCtl, ["stop", "-w", "-s", "-D", DataDirectory, "-m", "immediate"], CancellationToken.None);

    /// <summary>Stops the standby (the primary must still be up, to drop the slot) and deletes its copy.</summary>
    public async ValueTask DisposeAsync()
    {
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        if (_started)
        {
            _started = false;
            try
            {
                await StopAsync().ConfigureAwait(false);
                await using var primary = await ConnectPrimaryAsync(CancellationToken.None).ConfigureAwait(false);
                await primary.ExecuteAsync($"SELECT pg_catalog.pg_drop_replication_slot('{SlotName}')", CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is InvalidOperationException or IOException or System.Net.Sockets.SocketException or PostgresServerException)
            {
                Log.ClusterStopFailed(_logger, ex);
            }
        }

        BestEffortDirectory.TryDelete(_root);
    }
}
