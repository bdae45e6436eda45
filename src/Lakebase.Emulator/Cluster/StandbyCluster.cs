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
internal sealed class StandbyCluster : CopiedCluster
{
    public const string SlotName = "lakebase_emulator_replica";

    private static readonly TimeSpan SettingTimeout = TimeSpan.FromSeconds(10);

    private readonly PrivateCluster _primary;

    private StandbyCluster(PrivateCluster primary, ILogger logger)
        : base(primary.Installation, "lakebase-replica-", logger) => _primary = primary;

    /// <summary>Lays out the private directories; <see cref="StartAsync"/> copies the primary and starts the standby.</summary>
    public static StandbyCluster Create(PrivateCluster primary, ILogger logger) => new(primary, logger);

    /// <summary>Copies the running primary and starts the copy as a hot standby; the primary must be up.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();

        // A slot left by a run that did not stop cleanly would keep WAL for a standby that no longer exists.
        await using (var primary = await ConnectPrimaryAsync(cancellationToken).ConfigureAwait(false))
        {
            await primary.ExecuteAsync(
                $"SELECT pg_catalog.pg_drop_replication_slot(slot_name) FROM pg_catalog.pg_replication_slots WHERE slot_name = '{SlotName}'",
                cancellationToken).ConfigureAwait(false);
        }

        // -R writes standby.signal and primary_conninfo (the primary's socket); -C -S creates the slot it streams from.
        await CopyAndStartAsync(_primary.SocketDirectory, ["-R", "-C", "-S", SlotName], ["-c hot_standby=on"], cancellationToken).ConfigureAwait(false);
        Log.StandbyStarted(Logger, SocketDirectory, stopwatch.ElapsedMilliseconds);
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

    // The slot would keep the primary's WAL for a standby that no longer exists; the primary must still be up.
    protected override async Task OnStoppedAsync(bool wasStarted)
    {
        if (wasStarted)
        {
            await using var primary = await ConnectPrimaryAsync(CancellationToken.None).ConfigureAwait(false);
            await primary.ExecuteAsync($"SELECT pg_catalog.pg_drop_replication_slot('{SlotName}')", CancellationToken.None).ConfigureAwait(false);
        }
    }
}
