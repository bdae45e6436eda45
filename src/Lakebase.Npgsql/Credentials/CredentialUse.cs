namespace Lakebase.Npgsql.Credentials;

/// <summary>
/// Tells the interceptor which credential the password provider handed to the open it is watching, so that a
/// rejected login forces a refresh only if that very credential is still the current one. (Reading the cache's
/// generation before the open is not enough: the open itself may be what fetched the first credential.)
/// </summary>
internal sealed class CredentialUse
{
    private static readonly AsyncLocal<CredentialUse?> Current = new();

    /// <summary>The generation of the credential served to this open, or -1 if none was asked for.</summary>
    public long Generation { get; private set; } = -1;

    /// <summary>Starts watching the opens that run in the current async flow.</summary>
    public static CredentialUse Begin()
    {
        var use = new CredentialUse();
        Current.Value = use;
        return use;
    }

    /// <summary>Called by the password provider.</summary>
    public static void Record(DatabaseCredential credential)
    {
        if (Current.Value is { } use)
        {
            use.Generation = credential.Generation;
        }
    }
}
