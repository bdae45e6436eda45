namespace Lakebase.Npgsql;

/// <summary>
/// Base type of every error this library raises. Messages say what went wrong, what was expected and how to fix
/// it, and never contain a client secret, a workspace token or a database token.
/// </summary>
public abstract class LakebaseException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong and how to fix it.</param>
    /// <param name="innerException">The underlying error, if any (already free of secrets).</param>
    protected LakebaseException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The Lakebase configuration given to <c>UseLakebase</c> is incomplete or malformed. Raised at configuration
/// time, before any connection is attempted.
/// </summary>
public sealed class LakebaseConfigurationException : LakebaseException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong and how to fix it.</param>
    public LakebaseConfigurationException(string message)
        : base(message)
    {
    }
}

/// <summary>
/// A login to Lakebase was refused even with a freshly generated database credential: the problem is the role
/// or the user name, not the token's age.
/// </summary>
public sealed class LakebaseAuthenticationException : LakebaseException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What was refused and the likely fixes.</param>
    /// <param name="sqlState">The PostgreSQL SQLSTATE the server returned (28P01 or 28000).</param>
    /// <param name="innerException">The server's error.</param>
    public LakebaseAuthenticationException(string message, string? sqlState, Exception? innerException)
        : base(message, innerException) => SqlState = sqlState;

    /// <summary>The PostgreSQL SQLSTATE the server returned (28P01 invalid password, 28000 invalid authorization).</summary>
    public string? SqlState { get; }
}

/// <summary>
/// The server's TLS certificate could not be verified, so no database token was sent to it. <see cref="Reason"/> says
/// why; the message names the host, the reason and what to set.
/// </summary>
public sealed class LakebaseTlsException : LakebaseException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="reason">Why verification failed.</param>
    /// <param name="host">The host whose certificate was refused.</param>
    /// <param name="message">What failed and how to fix it.</param>
    /// <param name="innerException">The TLS error.</param>
    public LakebaseTlsException(LakebaseTlsFailure reason, string host, string message, Exception? innerException)
        : base(message, innerException)
    {
        Reason = reason;
        Host = host;
    }

    /// <summary>Why verification failed.</summary>
    public LakebaseTlsFailure Reason { get; }

    /// <summary>The host whose certificate was refused.</summary>
    public string Host { get; }
}

/// <summary>Why a server certificate was refused.</summary>
public enum LakebaseTlsFailure
{
    /// <summary>The cause could not be determined (the handshake failed for another reason).</summary>
    Unknown,

    /// <summary>The certificate's chain does not lead to a trusted root (the system's, or <c>RootCertificate</c>).</summary>
    UntrustedChain,

    /// <summary>The certificate does not name the host connected to.</summary>
    NameMismatch,

    /// <summary>The certificate has expired or is not valid yet.</summary>
    Expired,
}
