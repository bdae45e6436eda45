namespace Lakebase.Reliability.Soak;

/// <summary>What a chaos soak observed.</summary>
/// <param name="Schedule">"short" or "long".</param>
/// <param name="Duration">How long the workload ran.</param>
/// <param name="Workers">Concurrent writers.</param>
/// <param name="Operations">Writes attempted.</param>
/// <param name="Acknowledged">Writes whose SaveChanges returned (the ledger).</param>
/// <param name="FailuresByCause">Failed writes, by classified cause.</param>
/// <param name="LostWrites">Acknowledged writes missing from the database at the end: must be 0.</param>
/// <param name="CredentialRequests">Credential API requests the emulator received (429s included).</param>
/// <param name="TooManyRequests">429 answers the emulator served.</param>
/// <param name="LoginsAccepted">Physical logins the emulator accepted (new connections).</param>
/// <param name="LoginsRejected">Logins the emulator refused (revoked tokens, mostly).</param>
/// <param name="P50">Median write latency.</param>
/// <param name="P99">99th percentile write latency.</param>
/// <param name="Max">Slowest write.</param>
/// <param name="Faults">The faults applied, in order, with when.</param>
public sealed record SoakResult(
    string Schedule,
    TimeSpan Duration,
    int Workers,
    long Operations,
    long Acknowledged,
    IReadOnlyDictionary<string, long> FailuresByCause,
    long LostWrites,
    long CredentialRequests,
    long TooManyRequests,
    long LoginsAccepted,
    long LoginsRejected,
    TimeSpan P50,
    TimeSpan P99,
    TimeSpan Max,
    IReadOnlyList<string> Faults)
{
    public long Failures => FailuresByCause.Values.Sum();

    /// <summary>Whether the server ran with fsync, synchronous_commit and full_page_writes on (a schedule with a crash).</summary>
    public bool DurableStorage { get; init; }

    /// <summary>The server crashes of the schedule, in order.</summary>
    public IReadOnlyList<CrashOutcome> Crashes { get; init; } = [];
}

/// <summary>One crash of the database server during a soak.</summary>
/// <param name="At">When it happened, from the soak's start.</param>
/// <param name="Restart">From the immediate-mode stop until the restarted server accepted connections.</param>
/// <param name="AcknowledgedBefore">Writes acknowledged before the crash.</param>
/// <param name="PresentAfter">Of those, how many were in the database at the end: must equal <paramref name="AcknowledgedBefore"/>.</param>
public sealed record CrashOutcome(TimeSpan At, TimeSpan Restart, long AcknowledgedBefore, long PresentAfter)
{
    public long Lost => AcknowledgedBefore - PresentAfter;
}
