using Lakebase.Emulator;

namespace Lakebase.Reliability.Soak;

/// <summary>
/// One scripted fault: when it happens (from the soak's start), what it is called in the report, what it does, and
/// whether it crashes the database server (the soak then checks the writes acknowledged before it survived).
/// </summary>
public sealed record FaultStep(TimeSpan At, string Name, Func<LakebaseEmulator, Task> Apply, bool CrashesServer = false);

/// <summary>The scripted fault schedules the soak runs against the emulator.</summary>
public static class FaultSchedule
{
    /// <summary>
    /// About a minute, for CI: every fault kind once (a server crash included), each short enough that a credential in hand outlives it, and a
    /// second revocation 5 s after the first (the case that used to fail opens).
    /// </summary>
    public static (TimeSpan Duration, IReadOnlyList<FaultStep> Steps) Short() => (TimeSpan.FromSeconds(60),
    [
        Step(3, "revoke all tokens", e => e.RevokeAllTokens()),
        Step(8, "revoke all tokens again (within 30 s)", e => e.RevokeAllTokens()),
        Step(11, "API latency spike 1.5 s", e => e.Faults.ApiLatency = TimeSpan.FromSeconds(1.5)),
        Step(15, "API latency back to 0", e => e.Faults.ApiLatency = TimeSpan.Zero),
        Step(16, "5-second tokens", e => e.Faults.TokenLifetimeOverride = TimeSpan.FromSeconds(5)),
        Step(17, "revoke all tokens (the replacement lives 5 s)", e => e.RevokeAllTokens()),
        Step(22, "drop all sessions", e => e.DropAllSessions()),
        Step(25, "429 storm, Retry-After 1 s, for 1.5 s", e => e.Faults.FailNextApiRequests(int.MaxValue, 429, TimeSpan.FromSeconds(1))),
        Step(25.2, "revoke all tokens during the 429 storm", e => e.RevokeAllTokens()),
        Step(26.5, "429 storm ends", e => e.Faults.FailNextApiRequests(0)),
        Step(30, "hour-long tokens again", e => e.Faults.TokenLifetimeOverride = null),
        Crash(33),
        Step(36, "429 storm, Retry-After 5 s, for 5 s", e => e.Faults.FailNextApiRequests(int.MaxValue, 429, TimeSpan.FromSeconds(5))),
        Step(36.5, "revoke all tokens during the 429 storm", e => e.RevokeAllTokens()),
        Step(41, "429 storm ends", e => e.Faults.FailNextApiRequests(0)),
        StepAsync(42, "suspend compute", e => e.SuspendAsync()),
        StepAsync(45, "restart compute", e => e.RestartComputeAsync()),
        Step(47, "API outage for 10 s", e => e.Faults.StartOutage(TimeSpan.FromSeconds(10))),
        Step(52, "drop all sessions during the outage", e => e.DropAllSessions()),
        Step(58, "revoke all tokens", e => e.RevokeAllTokens()),
    ]);

    /// <summary>
    /// About twelve minutes, on demand: the short script's faults at full size, including a two-minute API outage,
    /// a 60-second 429 storm asking for 10 s between tries, a minute of 5-second tokens, and two server crashes.
    /// </summary>
    public static (TimeSpan Duration, IReadOnlyList<FaultStep> Steps) Long() => (TimeSpan.FromMinutes(12),
    [
        Step(10, "revoke all tokens", e => e.RevokeAllTokens()),
        Step(20, "revoke all tokens again (within 30 s)", e => e.RevokeAllTokens()),
        Step(40, "API latency spike 3 s", e => e.Faults.ApiLatency = TimeSpan.FromSeconds(3)),
        Step(60, "revoke all tokens during the latency spike", e => e.RevokeAllTokens()),
        Step(80, "API latency back to 0", e => e.Faults.ApiLatency = TimeSpan.Zero),
        Step(90, "5-second tokens", e => e.Faults.TokenLifetimeOverride = TimeSpan.FromSeconds(5)),
        Step(91, "revoke all tokens (the replacement lives 5 s)", e => e.RevokeAllTokens()),
        Step(120, "drop all sessions", e => e.DropAllSessions()),
        Crash(135),
        Step(150, "hour-long tokens again", e => e.Faults.TokenLifetimeOverride = null),
        Step(170, "429 storm, Retry-After 10 s, for 60 s", e => e.Faults.FailNextApiRequests(int.MaxValue, 429, TimeSpan.FromSeconds(10))),
        Step(200, "drop all sessions during the 429 storm", e => e.DropAllSessions()),
        Step(215, "revoke all tokens during the 429 storm (the replacement waits out Retry-After)", e => e.RevokeAllTokens()),
        Step(230, "429 storm ends", e => e.Faults.FailNextApiRequests(0)),
        StepAsync(250, "suspend compute", e => e.SuspendAsync()),
        StepAsync(280, "restart compute", e => e.RestartComputeAsync()),
        Step(300, "API outage for 2 minutes", e => e.Faults.StartOutage(TimeSpan.FromMinutes(2))),
        Step(330, "drop all sessions during the outage", e => e.DropAllSessions()),
        StepAsync(380, "suspend compute during the outage", e => e.SuspendAsync()),
        Step(440, "revoke all tokens", e => e.RevokeAllTokens()),
        Step(450, "revoke all tokens again", e => e.RevokeAllTokens()),
        Step(480, "429 storm, Retry-After 2 s, for 20 s", e => e.Faults.FailNextApiRequests(int.MaxValue, 429, TimeSpan.FromSeconds(2))),
        Step(500, "429 storm ends", e => e.Faults.FailNextApiRequests(0)),
        StepAsync(560, "restart compute", e => e.RestartComputeAsync()),
        Step(600, "drop all sessions", e => e.DropAllSessions()),
        Crash(630),
        Step(660, "revoke all tokens", e => e.RevokeAllTokens()),
    ]);

    private static FaultStep Step(double atSeconds, string name, Action<LakebaseEmulator> apply) =>
        new(TimeSpan.FromSeconds(atSeconds), name, e =>
        {
            apply(e);
            return Task.CompletedTask;
        });

    // A real crash needs real durability: a schedule with one runs the emulator with fsync and synchronous_commit on.
    private static FaultStep Crash(double atSeconds) =>
        new(TimeSpan.FromSeconds(atSeconds), "crash PostgreSQL (immediate stop, WAL replay on restart)", e => e.Faults.CrashServerAsync(), CrashesServer: true);

    private static FaultStep StepAsync(double atSeconds, string name, Func<LakebaseEmulator, Task> apply) =>
        new(TimeSpan.FromSeconds(atSeconds), name, apply);
}
