namespace Lakebase.Npgsql;

/// <summary>
/// A Databricks workspace bearer token returned by a caller-supplied token provider
/// (<see cref="LakebaseOAuthOptions.TokenProvider"/>).
/// </summary>
/// <param name="AccessToken">The bearer token.</param>
/// <param name="ExpiresAt">When it expires; <see langword="null"/> when unknown (it is then asked for again on every credential request).</param>
public sealed record LakebaseWorkspaceToken(string AccessToken, DateTimeOffset? ExpiresAt)
{
    /// <summary>Describes the token without revealing it.</summary>
    public override string ToString() => $"LakebaseWorkspaceToken {{ AccessToken = ***, ExpiresAt = {ExpiresAt?.ToString("O") ?? "unknown"} }}";
}
