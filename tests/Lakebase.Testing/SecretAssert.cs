namespace Lakebase.Testing;

/// <summary>Assertions that a piece of user-visible text carries none of the given secrets.</summary>
public static class SecretAssert
{
    /// <summary>Fails if <paramref name="text"/> contains any non-empty secret, naming which kind leaked (never its value).</summary>
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
    }
}

/// <summary>Secret checks for text produced while talking to a <see cref="Lakebase.Emulator.LakebaseEmulator"/>.</summary>
public static class EmulatorSecretAssert
{
    /// <summary>
    /// Fails if <paramref name="text"/> holds an emulator database token (they all start <c>lbdb_</c>), a workspace token
    /// (<c>lbws_</c>) or the client secret of any principal the emulator knows.
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
