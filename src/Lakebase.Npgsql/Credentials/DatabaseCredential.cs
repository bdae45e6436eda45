namespace Lakebase.Npgsql.Credentials;

/// <summary>A short-lived Lakebase database token (the PostgreSQL password) and its timing.</summary>
/// <param name="Token">The token. Never logged; <see cref="ToString"/> hides it.</param>
/// <param name="IssuedAt">When this process received it (its own clock).</param>
/// <param name="ExpiresAt">When the workspace says it expires.</param>
internal sealed record DatabaseCredential(string Token, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt)
{
    // Short test tokens (seconds) must still rotate: margins scale with the lifetime, capped for real (hour-long) ones.
    private static readonly TimeSpan MaxExpirySafetyMargin = TimeSpan.FromSeconds(30);

    /// <summary>Which credential of this cache it is (1, 2, ...); assigned when it is stored.</summary>
    public long Generation { get; init; }

    public TimeSpan Lifetime => ExpiresAt - IssuedAt;

    /// <summary>After this a login could race the expiry: stop handing the token to new connections.</summary>
    public DateTimeOffset UsableUntil => ExpiresAt - Min(MaxExpirySafetyMargin, Lifetime / 10);

    /// <summary>When to fetch the next one in the background: never after it stops being handed out.</summary>
    public DateTimeOffset RefreshAt(TimeSpan refreshBeforeExpiry)
    {
        var wanted = ExpiresAt - Min(refreshBeforeExpiry, Lifetime / 4);
        var latest = UsableUntil - (Lifetime / 100);
        return wanted < latest ? wanted : latest;
    }

    public override string ToString() => $"DatabaseCredential {{ Token = ***, IssuedAt = {IssuedAt:O}, ExpiresAt = {ExpiresAt:O} }}";

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
