namespace Lakebase.Npgsql.Credentials;

/// <summary>A short-lived Lakebase database token (the PostgreSQL password) and its timing, on this process's clock.</summary>
/// <param name="Token">The token. Never logged; <see cref="ToString"/> hides it.</param>
/// <param name="IssuedAt">When this process received it (its own clock).</param>
/// <param name="ExpiresAt">When it expires, converted to this process's clock (the workspace's clock skew removed).</param>
internal sealed record DatabaseCredential(string Token, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt)
{
    // Short test tokens (seconds) must still rotate: margins scale with the lifetime, capped for real (hour-long) ones.
    private static readonly TimeSpan MaxExpirySafetyMargin = TimeSpan.FromSeconds(30);

    /// <summary>Which credential of this cache it is (1, 2, ...); assigned when it is stored.</summary>
    public long Generation { get; init; }

    /// <summary>When the cache refreshes it ahead of expiry; chosen (with jitter) when it is stored.</summary>
    public DateTimeOffset RefreshAt { get; init; }

    public TimeSpan Lifetime => ExpiresAt - IssuedAt;

    /// <summary>After this a login could race the expiry: stop handing the token to new connections.</summary>
    public DateTimeOffset UsableUntil => ExpiresAt - Min(MaxExpirySafetyMargin, Lifetime / 10);

    /// <summary>
    /// The refresh point at <paramref name="fraction"/> of the lifetime, but at least <paramref name="minimumLead"/>
    /// (capped at a quarter of the lifetime) before expiry, and never after the token stops being handed out.
    /// </summary>
    public DateTimeOffset RefreshPoint(double fraction, TimeSpan minimumLead)
    {
        var atFraction = IssuedAt + (Lifetime * fraction);
        var byLead = ExpiresAt - Min(minimumLead, Lifetime / 4);
        var latest = UsableUntil - (Lifetime / 100);
        return Earliest(Earliest(atFraction, byLead), latest);
    }

    public override string ToString() => $"DatabaseCredential {{ Token = ***, IssuedAt = {IssuedAt:O}, ExpiresAt = {ExpiresAt:O} }}";

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static DateTimeOffset Earliest(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
