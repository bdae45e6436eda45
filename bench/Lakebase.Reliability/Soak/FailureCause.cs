using Lakebase.Npgsql;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Lakebase.Reliability.Soak;

/// <summary>Names why a write failed, coarsely enough to count (no message text, so no secret can slip in).</summary>
internal static class FailureCause
{
    public static string Of(Exception exception) => exception switch
    {
        DbUpdateException { InnerException: { } inner } => Of(inner),
        InvalidOperationException { InnerException: { } inner } when exception.Message.Contains("transient", StringComparison.OrdinalIgnoreCase) => "retries exhausted: " + Of(inner),
        LakebaseCredentialException credential => $"credential: {credential.Reason}",
        LakebaseAuthenticationException => "login refused",
        LakebaseException lakebase => lakebase.GetType().Name,
        PostgresException postgres => $"postgres {postgres.SqlState}",
        NpgsqlException { InnerException: { } inner } => "npgsql: " + Of(inner),
        NpgsqlException => "npgsql",
        TimeoutException => "timeout",
        ObjectDisposedException { InnerException: { } inner } => "disposed: " + Of(inner),
        _ => exception.GetType().Name,
    };
}
