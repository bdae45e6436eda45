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
