using System.Runtime.ExceptionServices;
using Lakebase.Npgsql.Credentials;
using Lakebase.Npgsql.Diagnostics;
using Npgsql;

namespace Lakebase.Npgsql.Connection;

/// <summary>
/// Opens a connection so that a login Lakebase rejects (SQLSTATE 28P01 or 28000: a revoked or rotated token) is retried
/// exactly once with a freshly forced credential of the data source that served it. Every other error passes through;
/// the credential cache's own errors, and the data source's disposal, are unwrapped from Npgsql's.
/// </summary>
internal static class AuthenticationRetry
{
    // An async method even for the synchronous path: the runtime restores the caller's execution context when it
    // returns, so the CredentialUse it begins needs no ending (setting it back would cost an allocation per open).
    public static async Task OpenAsync(LakebaseDataSource dataSource, NpgsqlConnection connection, bool async, CancellationToken cancellationToken)
    {
        var credentials = dataSource.Credentials;
        var generation = credentials.Generation;
        var use = CredentialUse.Begin();
        try
        {
            await OpenOnceAsync(connection, async, cancellationToken).ConfigureAwait(false);
            Confirm(credentials, use);
            dataSource.RecordLogin(failure: null);
            return;
        }
        catch (PostgresException e) when (IsAuthenticationFailure(e))
        {
            var logger = dataSource.Parts.Logger;
            LakebaseLog.AuthenticationFailedRetrying(logger, dataSource.Username, e.SqlState);
            LakebaseTelemetry.AuthenticationRetries.Add(1);

            // The credential the failed login used; if the password was never asked for (a pooled connection), the
            // one that was current when the open began.
            var rejected = use.Generation >= 0 ? use.Generation : generation;
            var refresh = credentials.ForceRefreshAsync(rejected, cancellationToken);
            var replaced = async ? await refresh.ConfigureAwait(false) : refresh.GetAwaiter().GetResult();
            if (!replaced)
            {
                throw Failure(dataSource, e);
            }
        }
        catch (NpgsqlException e) when (OwnFailure(dataSource, e) is { } own)
        {
            ExceptionDispatchInfo.Throw(own);
        }
        catch (Exception e) when (TlsFailureDiagnosis.IsCertificateFailure(e))
        {
            throw await ExplainTlsFailureAsync(dataSource, connection, e, cancellationToken).ConfigureAwait(false);
        }

        var retryUse = CredentialUse.Begin();
        try
        {
            await OpenOnceAsync(connection, async, cancellationToken).ConfigureAwait(false);
            Confirm(credentials, retryUse);
            dataSource.RecordLogin(failure: null);
        }
        catch (PostgresException e) when (IsAuthenticationFailure(e))
        {
            throw Failure(dataSource, e);
        }
        catch (NpgsqlException e) when (OwnFailure(dataSource, e) is { } own)
        {
            ExceptionDispatchInfo.Throw(own);
        }
    }

    // What Npgsql wraps as "an exception was thrown from the password provider" but the application should see as it
    // is: the credential cache's errors (they say what to fix), and the data source disposed while the open waited on
    // a credential (as a disposed NpgsqlDataSource reports it).
    private static Exception? OwnFailure(LakebaseDataSource dataSource, NpgsqlException e) => e.InnerException switch
    {
        LakebaseException inner => inner,
        ObjectDisposedException inner when dataSource.IsDisposed => inner,
        _ => null,
    };

    // Only an open that asked for a password (a new physical connection) says anything about the credential; pooled
    // opens skip this, so the hot path pays one field read.
    private static void Confirm(DatabaseCredentialCache credentials, CredentialUse use)
    {
        if (use.Generation > 0)
        {
            credentials.ConfirmLogin(use.Generation);
        }
    }

    private static async Task<LakebaseTlsException> ExplainTlsFailureAsync(LakebaseDataSource dataSource, NpgsqlConnection connection, Exception failure, CancellationToken cancellationToken)
    {
        var parts = dataSource.Parts;
        // The connection's own string names the host it tried, looked up or configured (no password is in it).
        // A read view's connection string lists several hosts: the one that refused is the one it reached, else the first.
        var listed = new NpgsqlConnectionStringBuilder(connection.ConnectionString).Host?.Split(',')[0];
        var host = (connection.Host is { Length: > 0 } reached && !reached.Contains(',', StringComparison.Ordinal) ? reached : listed) ?? parts.Connection.Host ?? "the endpoint";
        var explained = await TlsFailureDiagnosis.ExplainAsync(host, parts.Connection.Port, parts.Connection.RootCertificate, failure, cancellationToken).ConfigureAwait(false);
        LakebaseLog.TlsVerificationFailed(parts.Logger, host, parts.Connection.Port, explained.Reason);
        return explained;
    }

    public static bool IsAuthenticationFailure(Exception exception) =>
        exception is PostgresException { SqlState: PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification };

    private static Task OpenOnceAsync(NpgsqlConnection connection, bool async, CancellationToken cancellationToken)
    {
        if (async)
        {
            return connection.OpenAsync(cancellationToken);
        }

        connection.Open();
        return Task.CompletedTask;
    }

    private static LakebaseAuthenticationException Failure(LakebaseDataSource dataSource, PostgresException error)
    {
        LakebaseLog.AuthenticationFailedAfterRefresh(dataSource.Parts.Logger, dataSource.Username, error.SqlState);
        dataSource.RecordLogin($"SQLSTATE {error.SqlState}: {error.MessageText}");
        var parts = dataSource.Parts;
        return LakebaseAuthenticationFailure.Create(dataSource.Username, $"{error.Data["Host"] ?? parts.Connection.Host ?? "the endpoint"}:{parts.Connection.Port}/{parts.Connection.Database}", error);
    }
}
