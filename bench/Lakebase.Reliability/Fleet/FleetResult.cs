namespace Lakebase.Reliability.Fleet;

/// <summary>How a fleet keeps its credentials fresh.</summary>
public enum FleetVariant
{
    /// <summary>The plugin's cache: refresh at a jittered 50-80 % of the lifetime.</summary>
    UseLakebase,

    /// <summary>The plugin's cache with jitter off: every instance at 80 %.</summary>
    UseLakebaseWithoutJitter,

    /// <summary>The Databricks guide's samples: a credential request per new physical connection, connections recycled after 45 minutes.</summary>
    GuidePerConnection,
}

/// <summary>What a fleet simulation observed at the emulator's credential API.</summary>
/// <param name="Variant">The refresh strategy.</param>
/// <param name="Instances">Application instances, started together.</param>
/// <param name="Simulated">Simulated time.</param>
/// <param name="RequestsPerMinute">Credential requests in each simulated minute (429s included).</param>
/// <param name="TooManyRequests">429 answers.</param>
/// <param name="Opens">Connection opens the instances made.</param>
/// <param name="FailedOpens">Opens that got no password.</param>
/// <param name="WallClock">How long the simulation took for real.</param>
public sealed record FleetResult(
    FleetVariant Variant,
    int Instances,
    TimeSpan Simulated,
    IReadOnlyList<long> RequestsPerMinute,
    long TooManyRequests,
    long Opens,
    long FailedOpens,
    TimeSpan WallClock)
{
    /// <summary>The rollout: the first minutes, when every instance starts together.</summary>
    public const int RolloutMinutes = 5;

    public long TotalRequests => RequestsPerMinute.Sum();

    public long PeakPerMinute => RequestsPerMinute.Count == 0 ? 0 : RequestsPerMinute.Max();

    public double MeanPerMinute => RequestsPerMinute.Count == 0 ? 0 : RequestsPerMinute.Average();

    /// <summary>The busiest minute after the rollout: what refresh timing alone produces.</summary>
    public long SteadyPeakPerMinute => RequestsPerMinute.Skip(RolloutMinutes).DefaultIfEmpty(0).Max();
}
