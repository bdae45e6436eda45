using System.Text.RegularExpressions;

namespace Lakebase.TestUtilities;

/// <summary>
/// Assertions that a piece of user-visible text carries none of the given secrets, and nothing shaped like a real
/// credential (<see cref="TokenShapes"/>) whoever it belongs to.
/// </summary>
public static class SecretAssert
{
    /// <summary>
    /// Fails if <paramref name="text"/> contains any non-empty secret, or anything shaped like a token, naming which kind
    /// leaked (never its value).
    /// </summary>
    public static void DoesNotLeak(string? text, params (string Kind, string? Value)[] secrets)
    {
        if (string.IsNullOrEmpty(text))
        {
            return;
        }

        foreach (var (kind, value) in secrets)
        {
            if (!string.IsNullOrEmpty(value) && text.Contains(value, StringComparison.Ordinal))
            {
                throw new Xunit.Sdk.XunitException($"A {kind} appears in text that a user or a log would see.");
            }
        }

        HasNoTokenShapes(text);
    }

    /// <summary>Fails if <paramref name="text"/> holds something shaped like a real credential, naming its kind and where (never its value).</summary>
    public static void HasNoTokenShapes(string? text)
    {
        if (TokenShapes.Find(text) is { } found)
        {
            throw new Xunit.Sdk.XunitException($"Something shaped like a {found.Kind} appears at character {found.Index} of text that a user or a log would see.");
        }
    }
}

/// <summary>
/// The shapes of credentials that a test does not hold the value of: a token a server minted, or one from a developer's
/// environment. Kept narrow (a prefix, a fixed alphabet and length, or a JWT's two JSON parts) so that ids, hashes and
/// resource names that tests print on purpose are not taken for secrets. Independent of the library's own redaction,
/// so that it checks it rather than repeats it.
/// </summary>
public static partial class TokenShapes
{
    private static readonly (string Kind, Regex Pattern)[] Shapes =
    [
        ("Databricks personal access token (dapi...)", PersonalAccessToken()),
        ("Databricks OAuth token or secret (dose..., doa..., dkea...)", DatabricksOAuth()),
        ("JWT (an OIDC or Entra ID token)", JsonWebToken()),
        ("Entra ID client secret", EntraClientSecret()),
    ];

    /// <summary>The first credential-shaped run in <paramref name="text"/>, or null.</summary>
    public static (string Kind, int Index)? Find(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        foreach (var (kind, pattern) in Shapes)
        {
            if (pattern.Match(text) is { Success: true } match)
            {
                return (kind, match.Index);
            }
        }

        return null;
    }

    // dapi + 32 hex, optionally -N (the Azure form); the alphabet is a-h in the wild (gitleaks databricks-api-token).
    [GeneratedRegex(@"\bdapi[0-9a-h]{32}(?:-\d+)?\b")]
    private static partial Regex PersonalAccessToken();

    // A prefix, then at least 16 token characters including a digit (so that words such as "doable..." do not count).
    [GeneratedRegex(@"\b(?:dose|doa[a-z]?|dkea)(?=[0-9A-Za-z_-]*[0-9])[0-9A-Za-z_-]{16,}")]
    private static partial Regex DatabricksOAuth();

    // header.payload.signature, both JSON parts base64url ("{\"" encodes as eyJ); the signature may be empty (alg none).
    [GeneratedRegex(@"\beyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")]
    private static partial Regex JsonWebToken();

    // Entra ID application secrets: three characters, a digit, "Q~", then 31 to 34 more (GitHub secret scanning's shape).
    [GeneratedRegex(@"(?<![A-Za-z0-9_~.-])[A-Za-z0-9_~.-]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34}(?![A-Za-z0-9_~.-])")]
    private static partial Regex EntraClientSecret();
}

/// <summary>Secret checks for text produced while talking to a <see cref="Lakebase.Emulator.LakebaseEmulator"/>.</summary>
public static class EmulatorSecretAssert
{
    /// <summary>
    /// Fails if <paramref name="text"/> holds an emulator database token (they all start <c>lbdb_</c>), a workspace token
    /// (<c>lbws_</c>), the client secret of any principal the emulator knows, or anything shaped like a real credential.
    /// </summary>
    public static void DoesNotLeak(Lakebase.Emulator.LakebaseEmulator emulator, string? text) =>
        DoesNotLeak(text, emulator.Principals.Select(p => p.ClientSecret));

    /// <summary>
    /// Fails if <paramref name="text"/> holds an emulator database or workspace token, or one of <paramref name="clientSecrets"/>
    /// (for an emulator the test cannot reach, such as the one an app starts for itself).
    /// </summary>
    public static void DoesNotLeak(string? text, IEnumerable<string?> clientSecrets)
    {
        Xunit.Assert.DoesNotContain("lbdb_", text ?? string.Empty, StringComparison.Ordinal); // emulator database tokens start so
        Xunit.Assert.DoesNotContain("lbws_", text ?? string.Empty, StringComparison.Ordinal); // emulator workspace tokens start so
        SecretAssert.DoesNotLeak(text, clientSecrets.Select(secret => ("client secret", secret)).ToArray());
    }
}
