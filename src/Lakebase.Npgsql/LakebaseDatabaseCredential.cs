namespace Lakebase.Npgsql;

/// <summary>
/// The database credential a <see cref="LakebaseDataSource"/> logs in with, for handing to another PostgreSQL client
/// (<c>psql</c>, <c>pg_dump</c>, another driver) as <c>PGUSER</c>/<c>PGPASSWORD</c>. The token is short-lived: ask the data
/// source again rather than keeping it. <see cref="ToString"/> never shows the token.
/// </summary>
public sealed class LakebaseDatabaseCredential
{
    internal LakebaseDatabaseCredential(string username, string token, DateTimeOffset expiresAt)
    {
        Username = username;
        Token = token;
        ExpiresAt = expiresAt;
    }

    /// <summary>The PostgreSQL role to log in as.</summary>
    public string Username { get; }

    /// <summary>The OAuth database token, the password of the login. A secret: do not log it.</summary>
    public string Token { get; }

    /// <summary>When the token expires, on this process's clock (the data source's <see cref="TimeProvider"/>).</summary>
    public DateTimeOffset ExpiresAt { get; }

    /// <summary>Describes the credential without its token.</summary>
    /// <returns>The user and the expiry.</returns>
    public override string ToString() => $"LakebaseDatabaseCredential {{ Username = {Username}, Token = ***, ExpiresAt = {ExpiresAt:O} }}";
}
