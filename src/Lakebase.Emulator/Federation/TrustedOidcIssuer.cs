using System.Security.Cryptography;

namespace Lakebase.Emulator.Federation;

/// <summary>
/// One federation policy: tokens signed by <see cref="SigningKey"/> (RS256) with this issuer and audience are
/// exchanged for a workspace token of the principal <see cref="PrincipalForSubject"/> maps their subject to.
/// </summary>
internal sealed record TrustedOidcIssuer(string Issuer, RSA SigningKey, string Audience, Func<string, EmulatedPrincipal?> PrincipalForSubject)
{
    /// <summary>A policy for an issuer whose RSA public key is given as PEM.</summary>
    public static TrustedOidcIssuer FromPem(string issuer, string signingKeyPem, string audience, Func<string, EmulatedPrincipal?> principalForSubject)
    {
        var key = RSA.Create();
        key.ImportFromPem(signingKeyPem);
        return new TrustedOidcIssuer(issuer, key, audience, principalForSubject);
    }
}
