using System.Collections.Concurrent;

namespace Lakebase.Emulator.Credentials;

/// <summary>Workspace OAuth tokens issued by <c>/oidc/v1/token</c>, and bearer-token resolution (workspace tokens and PATs).</summary>
internal sealed class WorkspaceTokenStore(TimeProvider clock, PrincipalRegistry principals)
{
    private readonly ConcurrentDictionary<string, (string ClientId, DateTimeOffset ExpiresAt)> _tokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _external = new(StringComparer.Ordinal);

    /// <summary>Accepts a token issued elsewhere (an Entra ID token in tests) as the principal's bearer token.</summary>
    public void TrustExternal(string token, EmulatedPrincipal principal) => _external[token] = principal.ClientId;

    public (string Token, DateTimeOffset ExpiresAt) Issue(EmulatedPrincipal principal, TimeSpan lifetime)
    {
        var token = OpaqueToken.NewWorkspaceToken();
        var expiresAt = clock.GetUtcNow() + lifetime;
        _tokens[token] = (principal.ClientId, expiresAt);
        return (token, expiresAt);
    }

    /// <summary>The principal a bearer token stands for, or <see langword="null"/> when it is unknown or expired.</summary>
    public EmulatedPrincipal? Resolve(string bearer)
    {
        if (_tokens.TryGetValue(bearer, out var entry))
        {
            if (clock.GetUtcNow() >= entry.ExpiresAt)
            {
                _tokens.TryRemove(bearer, out _);
                return null;
            }

            return principals.Find(entry.ClientId);
        }

        if (_external.TryGetValue(bearer, out var clientId))
        {
            return principals.Find(clientId);
        }

        return principals.FindByPersonalAccessToken(bearer);
    }
}
