namespace Lakebase.Npgsql;

/// <summary>
/// A snapshot of the database credential behind a context's connections, for health checks and diagnostics.
/// Carries no secret.
/// </summary>
/// <param name="Target">The endpoint the credential is for.</param>
/// <param name="User">The PostgreSQL role connections log in as.</param>
/// <param name="Source">How the workspace is authenticated to (service principal, bearer token, token provider).</param>
/// <param name="State">Whether a usable credential is cached.</param>
/// <param name="ExpiresAt">When the cached credential expires, if there is one.</param>
/// <param name="LastRefreshedAt">When a credential was last obtained.</param>
/// <param name="NextRefreshAt">When the next background refresh is due.</param>
/// <param name="CredentialRequests">Credential requests made to the workspace so far.</param>
/// <param name="LastError">The last refresh failure's message (no secrets), cleared by the next success.</param>
/// <param name="IsRefreshing">Whether a credential request is under way now.</param>
public sealed record LakebaseCredentialStatus(
    string Target,
    string User,
    string Source,
    LakebaseCredentialState State,
    DateTimeOffset? ExpiresAt,
    DateTimeOffset? LastRefreshedAt,
    DateTimeOffset? NextRefreshAt,
    long CredentialRequests,
    string? LastError,
    bool IsRefreshing = false);

/// <summary>The state of a cached database credential.</summary>
public enum LakebaseCredentialState
{
    /// <summary>No credential has been requested yet (nothing has connected).</summary>
    NotRequested,

    /// <summary>A valid credential is cached.</summary>
    Valid,

    /// <summary>A valid credential is cached, but refreshing it is failing; it is still served until it expires.</summary>
    RefreshFailing,

    /// <summary>No valid credential: the last one expired or none could be obtained.</summary>
    Unavailable,
}
