using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Lakebase.Emulator.Federation;

namespace Lakebase.Emulator;

/// <summary>
/// For tests: plays an OIDC identity provider (a GitHub Actions or CI token service) by minting RS256-signed ID
/// tokens. Register it with <see cref="LakebaseEmulator.TrustOidcIssuer"/> (<see cref="Issuer"/>,
/// <see cref="ExportPublicKeyPem"/>), then hand a minted token to a client as its OIDC token
/// (e.g. <c>DATABRICKS_OIDC_TOKEN</c>), which exchanges it at the emulator's token endpoint.
/// </summary>
public sealed class TestOidcProvider : IDisposable
{
    private readonly RSA _key;

    private TestOidcProvider(string issuer, RSA key)
    {
        Issuer = issuer;
        _key = key;
        KeyId = Convert.ToHexStringLower(SHA256.HashData(key.ExportSubjectPublicKeyInfo()))[..16];
    }

    /// <summary>The <c>iss</c> claim of every minted token.</summary>
    public string Issuer { get; }

    /// <summary>The <c>kid</c> header of every minted token (derived from the public key).</summary>
    public string KeyId { get; }

    /// <summary>Creates a provider with a fresh RSA 2048 signing key.</summary>
    /// <param name="issuer">The issuer URL, e.g. <c>https://token.actions.githubusercontent.com</c>.</param>
    public static TestOidcProvider Create(string issuer = "https://token.actions.githubusercontent.com")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(issuer);
        return new TestOidcProvider(issuer, RSA.Create(2048));
    }

    /// <summary>The public signing key as PEM (SubjectPublicKeyInfo), for <see cref="LakebaseEmulator.TrustOidcIssuer"/>.</summary>
    public string ExportPublicKeyPem() => _key.ExportSubjectPublicKeyInfoPem();

    /// <summary>Mints a signed ID token.</summary>
    /// <param name="subject">The <c>sub</c> claim, e.g. <c>repo:org/repo:environment:prod</c>.</param>
    /// <param name="audience">The <c>aud</c> claim; Databricks SDKs ask for the workspace token endpoint URL by default.</param>
    /// <param name="lifetime">From <paramref name="issuedAt"/> to <c>exp</c>; default 5 minutes (negative: already expired).</param>
    /// <param name="issuedAt">The <c>iat</c> and <c>nbf</c> claims; default now (system clock).</param>
    public string MintToken(string subject, string audience, TimeSpan? lifetime = null, DateTimeOffset? issuedAt = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(subject);
        ArgumentException.ThrowIfNullOrWhiteSpace(audience);
        var iat = issuedAt ?? DateTimeOffset.UtcNow;
        var header = new JsonObject { ["alg"] = "RS256", ["typ"] = "JWT", ["kid"] = KeyId };
        var payload = new JsonObject
        {
            ["iss"] = Issuer,
            ["sub"] = subject,
            ["aud"] = audience,
            ["iat"] = iat.ToUnixTimeSeconds(),
            ["nbf"] = iat.ToUnixTimeSeconds(),
            ["exp"] = (iat + (lifetime ?? TimeSpan.FromMinutes(5))).ToUnixTimeSeconds(),
            ["jti"] = Guid.NewGuid().ToString(),
        };
        return JsonWebToken.Encode(header, payload, input => _key.SignData(input, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    /// <summary>Disposes the signing key.</summary>
    public void Dispose() => _key.Dispose();
}
