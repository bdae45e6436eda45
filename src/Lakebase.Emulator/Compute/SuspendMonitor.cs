namespace Lakebase.Emulator.Compute;

/// <summary>Scale-to-zero: suspends the compute once it has been idle for the configured time.</summary>
internal sealed class SuspendMonitor : IAsyncDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;

    public SuspendMonitor(ComputeState compute, TimeSpan suspendAfter, Action suspend)
    {
        // Check often enough that the suspension lands close to the configured idle time.
        var period = TimeSpan.FromTicks(Math.Clamp(suspendAfter.Ticks / 10, TimeSpan.FromMilliseconds(20).Ticks, TimeSpan.FromSeconds(1).Ticks));
        _loop = RunAsync(compute, suspendAfter, suspend, period, _stopping.Token);
    }

    private static async Task RunAsync(ComputeState compute, TimeSpan suspendAfter, Action suspend, TimeSpan period, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(period);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                if (!compute.IsSuspended && compute.IdleFor >= suspendAfter)
                {
                    suspend();
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stopping.Dispose();
    }
}
