using Microsoft.Extensions.Time.Testing;

namespace Lakebase.Reliability.Fleet;

/// <summary>
/// The fleet's shared fake clock as one instance sees it, counting the instance's short waits: timers due in less than
/// the connect timeout, which are the pauses between attempts (Retry-After or backoff). Deadlines are never shorter than
/// the connect timeout, and the refresh timer is created disarmed, so neither is counted. A wait stops counting the
/// moment its timer fires (inside <see cref="FakeTimeProvider.Advance"/>) or is disposed (cancelled), so "every waiting
/// open of this instance is asleep on the clock" is exact, with no grace period on the wall clock.
/// </summary>
internal sealed class InstanceClock(FakeTimeProvider clock) : TimeProvider
{
    private int _sleeping;

    /// <summary>Short waits armed and not yet fired or cancelled.</summary>
    public int Sleeping => Volatile.Read(ref _sleeping);

    public override DateTimeOffset GetUtcNow() => clock.GetUtcNow();

    public override long GetTimestamp() => clock.GetTimestamp();

    public override long TimestampFrequency => clock.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => clock.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        if (dueTime == Timeout.InfiniteTimeSpan || dueTime >= FleetOptions.ConnectTimeout)
        {
            return clock.CreateTimer(callback, state, dueTime, period);
        }

        var wait = new Wait(this);
        Interlocked.Increment(ref _sleeping);
        wait.Inner = clock.CreateTimer(
            s =>
            {
                wait.End(); // before the callback: what it wakes is no longer asleep
                callback(s);
            },
            state,
            dueTime,
            period);
        return wait;
    }

    private sealed class Wait(InstanceClock owner) : ITimer
    {
        private int _ended;

        public ITimer Inner { get; set; } = null!;

        public void End()
        {
            if (Interlocked.Exchange(ref _ended, 1) == 0)
            {
                Interlocked.Decrement(ref owner._sleeping);
            }
        }

        public bool Change(TimeSpan dueTime, TimeSpan period) => Inner.Change(dueTime, period);

        public void Dispose()
        {
            End();
            Inner.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            End();
            return Inner.DisposeAsync();
        }
    }
}
