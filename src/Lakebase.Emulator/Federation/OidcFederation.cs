using System.Security.Cryptography;

namespace Lakebase.Emulator.Federation;

/// <summary>
/// Workload identity federation: the trusted issuers, and the check of a subject token (an OIDC ID token from
/// e.g. GitHub Actions) presented to the token endpoint in an RFC 8693 token exchange.
/// </summary>
internal sealed class OidcFederation(TimeProvider clock)
{
    // Clock skew tolerated on exp/nbf/iat, as identity providers and relying parties commonly allow.
    private static readonly TimeSpan Leeway = TimeSpan.FromSeconds(30);

    private readonly List<TrustedOidcIssuer> _issuers = [];
    private readonly object _gate = new();

    public void Trust(TrustedOidcIssuer issuer)
    {
        lock (_gate)
        {
            _issuers.Add(issuer);
        }
    }

    /// <summary>
    /// Validates <paramref name="subjectToken"/>: structure, RS256 signature by a trusted issuer's key, issuer,
    /// audience, expiry; then maps its subject to a principal. The failure text never contains the token.
    /// </summary>
    public FederationResult Validate(string subjectToken)
    {
        if (JsonWebToken.TryParse(subjectToken) is not { } jwt)
        {
            return FederationResult.Fail("subject_token is not a JWT");
        }

        if (jwt.Header["alg"]?.ToString() != "RS256")
        {
            return FederationResult.Fail("subject_token must be signed with RS256");
        }

        var issuer = jwt.StringClaim("iss");
        TrustedOidcIssuer[] candidates;
        lock (_gate)
        {
            candidates = _issuers.Where(i => i.Issuer == issuer).ToArray();
        }

        if (candidates.Length == 0)
        {
            return FederationResult.Fail($"issuer '{issuer}' is not trusted by any federation policy");
        }

        candidates = candidates.Where(i => i.SigningKey.VerifyData(jwt.SigningInput, jwt.Signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)).ToArray();
        if (candidates.Length == 0)
        {
            return FederationResult.Fail("subject_token signature is invalid");
        }

        var audiences = jwt.Audiences();
        candidates = candidates.Where(i => audiences.Contains(i.Audience, StringComparer.Ordinal)).ToArray();
        if (candidates.Length == 0)
        {
            return FederationResult.Fail($"subject_token audience [{string.Join(", ", audiences)}] is not allowed by the federation policy");
        }

        var now = clock.GetUtcNow();
        if (jwt.TimeClaim("exp") is not { } expires || now >= expires + Leeway)
        {
            return FederationResult.Fail("subject_token has expired");
        }

        if (jwt.TimeClaim("nbf") is { } notBefore && now + Leeway < notBefore)
        {
            return FederationResult.Fail("subject_token is not valid yet");
        }

        if (jwt.StringClaim("sub") is not { Length: > 0 } subject)
        {
            return FederationResult.Fail("subject_token has no subject");
        }

        foreach (var candidate in candidates)
        {
            if (candidate.PrincipalForSubject(subject) is { } principal)
            {
                return new FederationResult(principal, null);
            }
        }

        return FederationResult.Fail($"no federation policy maps subject '{subject}' to a principal");
    }
}

/// <summary>The principal a subject token stands for, or why it was refused.</summary>
internal sealed record FederationResult(EmulatedPrincipal? Principal, string? Error)
{
    public static FederationResult Fail(string error) => new(null, error);
}
