namespace TodoApp.Database;

/// <summary>The database could not be prepared at startup; the message says what to do. Program reports it without a stack trace.</summary>
public sealed class DatabaseStartupException(string message, Exception innerException) : Exception(message, innerException);
