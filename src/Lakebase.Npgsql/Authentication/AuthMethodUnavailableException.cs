namespace Lakebase.Npgsql.Authentication;

/// <summary>
/// Thrown by a token source whose method turns out not to be set up on this machine, though its settings looked
/// present (the CLI has no login for this host; Azure.Identity reports the credential unavailable): the only failure
/// after which the credentials chain moves on to the next method, as the Databricks SDKs do. Never leaves the chain.
/// </summary>
internal sealed class AuthMethodUnavailableException(string message, Exception? innerException = null) : Exception(message, innerException);
