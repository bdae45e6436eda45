using Lakebase.Emulator.Cluster;
using Lakebase.Emulator.Endpoints;
using Microsoft.Extensions.Logging;

namespace Lakebase.Emulator;

/// <summary>
/// Faults of the read-only endpoint (<see cref="LakebaseEmulatorOptions.ReadReplica"/>), independent of the primary:
/// suspend or restart its compute, stop it (connections refused) and start it again, and make its replication lag
/// larger. Also <c>/emulator/read-replica/*</c> on the admin API. Every member throws
/// <see cref="InvalidOperationException"/> when the emulator has no read replica.
/// </summary>
public sealed class ReadReplicaFaults
{
    private readonly object _gate = new();
    private EmulatedEndpoint? _endpoint;
    private StandbyCluster? _standby;
    private ILogger? _logger;
    private TimeSpan _lag;

    internal ReadReplicaFaults()
    {
    }

    /// <summary>Whether the read-only endpoint is stopped (its address refuses connections).</summary>
    public bool IsStopped => Endpoint.IsStopped;

    /// <summary>Whether the read-only endpoint's compute is suspended (the next connection pays the cold start).</summary>
    public bool IsSuspended => Endpoint.Compute.IsSuspended;

    /// <summary>The extra replication lag set by <see cref="SetReplicationLagAsync"/>; <see cref="TimeSpan.Zero"/> when none.</summary>
    public TimeSpan ReplicationLag
    {
        get
        {
            _ = Endpoint;
            lock (_gate)
            {
                return _lag;
            }
        }
    }

    private EmulatedEndpoint Endpoint => Volatile.Read(ref _endpoint) ?? throw NoReplica();

    /// <summary>Suspends the read-only compute, as scale-to-zero does: its sessions are dropped and its next connection pays a cold start. The primary is untouched.</summary>
    public void Suspend() => Endpoint.Control.Suspend("on demand");

    /// <summary>Restarts the read-only compute: its sessions are dropped and its next connection pays a cold start.</summary>
    public void Restart() => Endpoint.Control.Restart();

    /// <summary>Closes every session on the read-only endpoint; it stays up.</summary>
    public void DropAllSessions() => Endpoint.Control.DropAllSessions();

    /// <summary>
    /// Stops the read-only endpoint: its sessions are dropped and connections to its address are refused until
    /// <see cref="StartAsync"/>. The standby keeps replaying behind it, so it is current when started again.
    /// </summary>
    /// <returns>A task that completes when the address refuses connections.</returns>
    public Task StopAsync() => Endpoint.StopAsync();

    /// <summary>Starts a stopped read-only endpoint again, on the same address and port.</summary>
    /// <returns>A task that completes when the endpoint accepts connections.</returns>
    public Task StartAsync() => Endpoint.StartAsync();

    /// <summary>
    /// Makes the standby hold back every transaction until it is <paramref name="lag"/> old on the primary
    /// (<c>recovery_min_apply_delay</c>), so a read on the replica misses a write made on the primary within that
    /// time. <see cref="TimeSpan.Zero"/> clears it: what was held back is replayed at once. Real replication lag
    /// (milliseconds here) comes on top.
    /// </summary>
    /// <param name="lag">The delay; zero or more.</param>
    /// <param name="cancellationToken">Cancels the wait for the standby to reload its settings.</param>
    /// <returns>A task that completes when the standby applies the new lag.</returns>
    public async Task SetReplicationLagAsync(TimeSpan lag, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(lag, TimeSpan.Zero);
        var endpoint = Endpoint;
        await _standby!.SetApplyDelayAsync(lag, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            _lag = lag;
        }

        Log.ReplicationLagSet(_logger!, endpoint.Name, lag.TotalMilliseconds);
    }

    /// <summary>Clears the lag set by <see cref="SetReplicationLagAsync"/>.</summary>
    /// <param name="cancellationToken">Cancels the wait for the standby to reload its settings.</param>
    /// <returns>A task that completes when the standby replays without delay again.</returns>
    public Task ClearReplicationLagAsync(CancellationToken cancellationToken = default) => SetReplicationLagAsync(TimeSpan.Zero, cancellationToken);

    /// <summary>Clears the read replica's lasting faults: starts it if stopped and clears the lag (a suspended compute wakes at its next connection).</summary>
    /// <param name="cancellationToken">Cancels the wait for the standby to reload its settings.</param>
    /// <returns>A task that completes when the replica is up, current and without extra lag.</returns>
    public async Task ResetAsync(CancellationToken cancellationToken = default)
    {
        await StartAsync().ConfigureAwait(false);
        await ClearReplicationLagAsync(cancellationToken).ConfigureAwait(false);
    }

    internal void Attach(EmulatedEndpoint endpoint, StandbyCluster standby, ILogger logger)
    {
        _standby = standby;
        _logger = logger;
        Volatile.Write(ref _endpoint, endpoint);
    }

    private static InvalidOperationException NoReplica() =>
        new("This emulator has no read replica: start it with LakebaseEmulatorOptions.ReadReplica = true (CLI: --read-replica).");
}
