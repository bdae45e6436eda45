using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;

namespace Lakebase.Npgsql.Tests.Credentials;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that remembers the due time of every timer created on it, and on which thread. A
/// test that advances the clock past a delay must first know the delay exists: advancing before the code under test has
/// created its timer (a race a loaded CI machine loses) leaves that timer waiting on a clock nobody moves again. It also
/// counts the timers that fired: they fire inside <see cref="FakeTimeProvider.Advance"/>, so "nothing fired" is known
/// the moment Advance returns, with no wall-clock wait.
/// </summary>
internal sealed class TimerRecordingTimeProvider(DateTimeOffset start) : FakeTimeProvider(start)
{
    private readonly ConcurrentQueue<(TimeSpan DueTime, int ThreadId)> _timers = new();
    private int _fired;

    /// <summary>How many timer callbacks have run.</summary>
    public int TimersFired => Volatile.Read(ref _fired);

    /// <summary>Whether a timer due <paramref name="dueTime"/> after its creation has been created.</summary>
    public bool HasTimerDueIn(TimeSpan dueTime) => _timers.Any(t => t.DueTime == dueTime);

    /// <summary>The due times of every timer created so far, in creation order.</summary>
    public IReadOnlyList<TimeSpan> DueTimes => _timers.Select(t => t.DueTime).ToList();

    /// <summary>
    /// Whether a timer due <paramref name="dueTime"/> after its creation has been created on thread
    /// <paramref name="threadId"/>: a blocking caller's own wait (its deadline), not a timer some other thread made.
    /// </summary>
    public bool HasTimerDueIn(TimeSpan dueTime, int threadId) => _timers.Contains((dueTime, threadId));

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(
            s =>
            {
                Interlocked.Increment(ref _fired);
                callback(s);
            },
            state,
            dueTime,
            period);
        _timers.Enqueue((dueTime, Environment.CurrentManagedThreadId));
        return timer;
    }
}
