using System.Collections.Concurrent;

namespace Lakebase.Emulator.Credentials;

/// <summary>The database tokens minted so far; any number may be valid at once. Checked only at login.</summary>
internal sealed class DatabaseTokenStore(TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, EmulatorDatabaseToken> _tokens = new(StringComparer.Ordinal);
    private long _generation;

    public EmulatorDatabaseToken Mint(string role, TimeSpan lifetime)
    {
        var token = new EmulatorDatabaseToken(OpaqueToken.NewDatabaseToken(), role, clock.GetUtcNow() + lifetime, Interlocked.Read(ref _generation));
        _tokens[token.Token] = token;
        PruneExpired();
        return token;
    }

    public LoginCheck Check(string password, string role)
    {
        if (!_tokens.TryGetValue(password, out var token))
        {
            return LoginCheck.UnknownToken;
        }

        if (token.Generation != Interlocked.Read(ref _generation))
        {
            return LoginCheck.Revoked;
        }

        if (!string.Equals(token.Role, role, StringComparison.Ordinal))
        {
            return LoginCheck.OtherRole;
        }

        return clock.GetUtcNow() >= token.ExpiresAt ? LoginCheck.Expired : LoginCheck.Accepted;
    }

    /// <summary>Every token minted so far stops working for new logins; open sessions are untouched.</summary>
    public void RevokeAll() => Interlocked.Increment(ref _generation);

    // Keeps the table bounded in long benchmark runs; expired tokens are refused either way.
    private void PruneExpired()
    {
        if (_tokens.Count < 10_000)
        {
            return;
        }

        var cutoff = clock.GetUtcNow() - TimeSpan.FromHours(1);
        foreach (var (key, value) in _tokens)
        {
            if (value.ExpiresAt < cutoff || value.Generation != Interlocked.Read(ref _generation))
            {
                _tokens.TryRemove(key, out _);
            }
        }
    }
}

/// <summary>The outcome of checking a login password.</summary>
internal enum LoginCheck
{
    Accepted,
    UnknownToken,
    OtherRole,
    Expired,
    Revoked,
}
