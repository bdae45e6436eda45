using Microsoft.Extensions.Logging;

namespace Lakebase.Emulator.Compute;

/// <summary>
/// What happens to the compute and its sessions: scale-to-zero after idle time, suspension and restart on demand,
/// and a failover's dropped sessions. Dropping sessions is the front's job, reached through
/// <paramref name="dropAllSessions"/> (which returns how many were relaying).
/// </summary>
internal sealed class ComputeControl(ComputeState state, Func<int> dropAllSessions, ILogger logger) : IAsyncDisposable
{
    private SuspendMonitor? _idleMonitor;

    /// <summary>Marks the compute active and, when <paramref name="suspendAfter"/> is set, suspends it after that much idle time.</summary>
    public void Start(TimeSpan? suspendAfter)
    {
        if (suspendAfter is { } idle)
        {
            _idleMonitor = new SuspendMonitor(state, idle, () => Suspend("idle"));
        }

        state.MarkActivity();
    }

    /// <summary>Closes every client session; the compute stays up.</summary>
    public void DropAllSessions() => Log.SessionsDropped(logger, dropAllSessions());

    /// <summary>Suspends the compute (once: an already suspended one is left as it is) and drops every session.</summary>
    public void Suspend(string reason)
    {
        if (state.Suspend())
        {
            Log.Suspended(logger, reason, dropAllSessions());
        }
    }

    /// <summary>Suspends the compute even if it is suspended already, and drops every session.</summary>
    public void Restart()
    {
        state.Suspend();
        Log.Suspended(logger, "restart", dropAllSessions());
    }

    public async ValueTask DisposeAsync()
    {
        if (_idleMonitor is not null)
        {
            await _idleMonitor.DisposeAsync().ConfigureAwait(false);
        }
    }
}
