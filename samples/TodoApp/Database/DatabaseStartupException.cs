namespace TodoApp.Database;

/// <summary>The database could not be prepared at startup; the message says what to do. Program reports it without a stack trace.</summary>
public sealed class DatabaseStartupException : Exception
{
    public DatabaseStartupException(string message)
        : base(message)
    {
    }

    public DatabaseStartupException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
