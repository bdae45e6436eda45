namespace Lakebase.Npgsql.Credentials;

/// <summary>The timing rules of one <see cref="DatabaseCredentialCache"/>. Defaults are the library's; tests and the fleet simulation change them.</summary>
internal sealed record CredentialCachePolicy
{
    /// <summary>Bounds every wait of a connection open on the cache: workspace token, credential request, retries.</summary>
    public TimeSpan ConnectTimeout { get; init; } = LakebaseConnectionDefaults.ConnectTimeout;

    /// <summary>The latest refresh point before expiry (the <c>RefreshBeforeExpiry</c> setting), capped at a quarter of the lifetime.</summary>
    public TimeSpan MinimumRefreshLead { get; init; } = LakebaseConnectionDefaults.RefreshBeforeExpiry;

    public LakebaseRefreshMode Mode { get; init; } = LakebaseRefreshMode.Background;

    /// <summary>
    /// Refresh at a random fraction of the lifetime between <see cref="EarliestRefreshFraction"/> and
    /// <see cref="LatestRefreshFraction"/>, so that instances started together (a rollout) spread their refreshes;
    /// without jitter, always at the latest fraction (kept for the fleet simulation's comparison). The same switch makes
    /// the backoff after a failure its cap rather than a random draw below it, or the <c>Retry-After</c> floor itself when
    /// the workspace sent one (<see cref="Resilience.Backoff"/>).
    /// </summary>
    public bool Jitter { get; init; } = true;

    public double EarliestRefreshFraction { get; init; } = 0.5;

    public double LatestRefreshFraction { get; init; } = 0.8;

    /// <summary>Forced refreshes of never-confirmed credentials allowed at once.</summary>
    public int ForcedRefreshBurst { get; init; } = 2;

    /// <summary>One more forced refresh of a never-confirmed credential becomes available this often.</summary>
    public TimeSpan ForcedRefreshInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The jitter source (refresh points and backoff); <see cref="Random.Shared"/> unless a test or simulation wants repeatable runs.</summary>
    public Random Random { get; init; } = Random.Shared;
}
