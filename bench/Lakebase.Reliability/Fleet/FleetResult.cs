namespace Lakebase.Reliability.Fleet;

/// <summary>How a fleet keeps its credentials fresh.</summary>
public enum FleetVariant
{
    /// <summary>The plugin's cache: refresh at a jittered 50-80 % of the lifetime.</summary>
    UseLakebase,

    /// <summary>
    /// A host with the readiness check: each instance is its own service collection (<c>AddLakebaseDataSource</c> +
    /// <c>AddHealthChecks().AddLakebaseReadiness()</c>), probed every 10 simulated seconds; the load balancer sends it
    /// user opens only once a probe said ready. The credential is fetched by the probe (nobody waits on it).
    /// </summary>
    Readiness,

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
/// <param name="HeldOffOpens">Opens the load balancer did not send because the instance was not ready (readiness variant).</param>
/// <param name="AllReadyAfter">When every instance had been probed ready (readiness variant); null if some never were.</param>
public sealed record FleetResult(
    FleetVariant Variant,
    int Instances,
    TimeSpan Simulated,
    IReadOnlyList<long> RequestsPerMinute,
    long TooManyRequests,
    long Opens,
    long FailedOpens,
    TimeSpan WallClock,
    long HeldOffOpens = 0,
    TimeSpan? AllReadyAfter = null)
{
    /// <summary>The rollout: the first minutes, when every instance starts together.</summary>
    public const int RolloutMinutes = 5;

    /// <summary>Credentials the API issued in each simulated minute (requests it served, not refused).</summary>
    public IReadOnlyList<long> CredentialsPerMinute { get; init; } = [];

    public long TotalRequests => RequestsPerMinute.Sum();

    public long PeakPerMinute => RequestsPerMinute.Count == 0 ? 0 : RequestsPerMinute.Max();

    public double MeanPerMinute => RequestsPerMinute.Count == 0 ? 0 : RequestsPerMinute.Average();

    /// <summary>The busiest minute after the rollout: what refresh timing alone produces.</summary>
    public long SteadyPeakPerMinute => RequestsPerMinute.Skip(RolloutMinutes).DefaultIfEmpty(0).Max();
}
