using System.Security.Cryptography;

namespace Lakebase.Emulator.Federation;

/// <summary>
/// One federation policy: tokens signed by <see cref="SigningKey"/> (RS256) with this issuer and audience are
/// exchanged for a workspace token of the principal <see cref="PrincipalForSubject"/> maps their subject to.
/// </summary>
internal sealed record TrustedOidcIssuer(string Issuer, RSA SigningKey, string Audience, Func<string, EmulatedPrincipal?> PrincipalForSubject);
