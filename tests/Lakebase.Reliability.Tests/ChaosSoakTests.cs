using Lakebase.Reliability.Soak;

namespace Lakebase.Reliability.Tests;

/// <summary>
/// The short chaos soak (about a minute): an EF Core workload under every emulator fault kind, including a second
/// token revocation 5 s after the first and a crash of PostgreSQL itself (immediate stop, WAL replay, durable storage).
/// Nothing the database acknowledged may be lost, and no write may fail.
/// </summary>
public sealed class ChaosSoakTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Under_the_short_fault_schedule_no_acknowledged_write_is_lost_and_no_write_fails()
    {
        var (duration, steps) = FaultSchedule.Short();
        var result = await ChaosSoak.RunAsync("short", duration, steps, workers: 4, output.WriteLine, TestContext.Current.CancellationToken);

        output.WriteLine($"{result.Operations} writes, {result.Acknowledged} acknowledged, {result.CredentialRequests} credential requests, " +
            $"{result.LoginsAccepted} logins accepted, {result.LoginsRejected} refused, {result.TooManyRequests} 429s, p99 {result.P99.TotalMilliseconds:0} ms");
        Assert.Equal(0, result.LostWrites);
        Assert.Empty(result.FailuresByCause);
        Assert.Equal(result.Operations, result.Acknowledged);
        Assert.True(result.Operations > 1000, "the workload barely ran");
        Assert.True(result.LoginsRejected >= 3, "the revocations never reached a login"); // the faults really bit
        Assert.Equal(steps.Count, result.Faults.Count);

        // The crash really happened under load, and every write acknowledged before it survived it.
        Assert.True(result.DurableStorage);
        var crash = Assert.Single(result.Crashes);
        output.WriteLine($"crash at {crash.At.TotalSeconds:0.0} s: server back after {crash.Restart.TotalMilliseconds:0} ms, {crash.PresentAfter}/{crash.AcknowledgedBefore} earlier writes present");
        Assert.True(crash.AcknowledgedBefore > 100, "the crash came before the workload wrote anything");
        Assert.Equal(crash.AcknowledgedBefore, crash.PresentAfter);
    }
}
