using Lakebase.Npgsql.Configuration;
using Microsoft.Extensions.Caching.Memory;

namespace Lakebase.Npgsql.Authentication;

/// <summary>Workspace tokens from a caller-supplied delegate, cached until shortly before the expiry it reports.</summary>
internal sealed class TokenProviderSource(
    Func<CancellationToken, ValueTask<LakebaseWorkspaceToken>> provider,
    IMemoryCache cache,
    TimeProvider timeProvider)
    : CachedWorkspaceTokenSource(cache, timeProvider)
{
    public override string Description => "token provider";

    protected override async Task<(string Token, DateTimeOffset? ExpiresAt)> FetchAsync(CancellationToken cancellationToken)
    {
        var token = await provider(cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException("LakebaseOAuthOptions.TokenProvider returned null; it must return a LakebaseWorkspaceToken.");
        if (string.IsNullOrWhiteSpace(token.AccessToken))
        {
            throw new InvalidOperationException("LakebaseOAuthOptions.TokenProvider returned an empty access token.");
        }

        return (token.AccessToken, token.ExpiresAt);
    }
}
