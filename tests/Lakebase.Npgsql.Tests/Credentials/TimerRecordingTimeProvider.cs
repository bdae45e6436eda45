using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;

namespace Lakebase.Npgsql.Tests.Credentials;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that remembers the due time of every timer created on it. A test that advances the
/// clock past a delay must first know the delay exists: advancing before the code under test has created its timer (a
/// race a loaded CI machine loses) leaves that timer waiting on a clock nobody moves again.
/// </summary>
internal sealed class TimerRecordingTimeProvider(DateTimeOffset start) : FakeTimeProvider(start)
{
    private readonly ConcurrentQueue<TimeSpan> _dueTimes = new();

    /// <summary>Whether a timer due <paramref name="dueTime"/> after its creation has been created.</summary>
    public bool HasTimerDueIn(TimeSpan dueTime) => _dueTimes.Contains(dueTime);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        _dueTimes.Enqueue(dueTime);
        return timer;
    }
}
