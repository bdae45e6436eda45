using System.Diagnostics;

namespace Lakebase.Emulator.Compute;

/// <summary>
/// Whether the emulated compute is running or suspended, when it was last used, and the cold start a
/// connection pays to wake it. Activity is tracked on the real clock (it drives a real idle timer).
/// </summary>
internal sealed class ComputeState(TimeSpan coldStartDelay)
{
    private readonly object _gate = new();
    private long _lastActivity = Stopwatch.GetTimestamp();
    private bool _suspended;
    private Task? _waking;

    public bool IsSuspended
    {
        get
        {
            lock (_gate)
            {
                return _suspended;
            }
        }
    }

    public TimeSpan IdleFor => Stopwatch.GetElapsedTime(Volatile.Read(ref _lastActivity));

    /// <summary>Called for every relayed chunk and every new connection; cheap on purpose.</summary>
    public void MarkActivity() => Volatile.Write(ref _lastActivity, Stopwatch.GetTimestamp());

    /// <summary>Marks the compute suspended. Returns false when it already was.</summary>
    public bool Suspend()
    {
        lock (_gate)
        {
            if (_suspended)
            {
                return false;
            }

            _suspended = true;
            return true;
        }
    }

    /// <summary>Completes at once when running; otherwise every caller shares one cold start.</summary>
    public Task WakeAsync()
    {
        lock (_gate)
        {
            if (!_suspended)
            {
                return Task.CompletedTask;
            }

            return _waking ??= ColdStartAsync();
        }
    }

    private async Task ColdStartAsync()
    {
        await Task.Delay(coldStartDelay).ConfigureAwait(false);
        lock (_gate)
        {
            _suspended = false;
            _waking = null;
        }

        MarkActivity();
    }
}
