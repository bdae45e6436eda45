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
