namespace Lakebase.Emulator;

/// <summary>A database token minted by the emulator: the PostgreSQL password for <see cref="Role"/> until <see cref="ExpiresAt"/>.</summary>
public sealed class EmulatorDatabaseToken
{
    internal EmulatorDatabaseToken(string token, string role, DateTimeOffset expiresAt, long generation)
    {
        Token = token;
        Role = role;
        ExpiresAt = expiresAt;
        Generation = generation;
    }

    /// <summary>The opaque token (the password). Never logged.</summary>
    public string Token { get; }

    /// <summary>The only role this token logs in as.</summary>
    public string Role { get; }

    /// <summary>When logins with this token stop being accepted (sessions already open live on).</summary>
    public DateTimeOffset ExpiresAt { get; }

    // Tokens minted before a revocation carry an older generation and are refused.
    internal long Generation { get; }

    /// <summary>Describes the token without its value.</summary>
    public override string ToString() => $"database token for {Role}, expires {ExpiresAt:O}";
}
