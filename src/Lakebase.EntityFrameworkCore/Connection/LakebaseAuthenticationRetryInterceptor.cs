using System.Data.Common;
using System.Runtime.ExceptionServices;
using Lakebase.EntityFrameworkCore.Credentials;
using Lakebase.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Lakebase.EntityFrameworkCore.Connection;

/// <summary>
/// Opens EF Core's connections itself so that a login Lakebase rejects (SQLSTATE 28P01 or 28000: a revoked or
/// rotated token) is retried exactly once with a freshly forced credential. Every other error passes through.
/// </summary>
internal sealed class LakebaseAuthenticationRetryInterceptor(DatabaseCredentialCache credentials, string user, string location, ILogger logger)
    : DbConnectionInterceptor
{
    public override InterceptionResult ConnectionOpening(DbConnection connection, ConnectionEventData eventData, InterceptionResult result)
    {
        if (result.IsSuppressed)
        {
            return result;
        }

        var generation = credentials.Generation;
        var use = CredentialUse.Begin();
        try
        {
            connection.Open();
            return InterceptionResult.Suppress();
        }
        catch (Exception e) when (IsAuthenticationFailure(e, out var sqlState))
        {
            OnRejected(sqlState);
            if (!credentials.ForceRefreshAsync(Rejected(use, generation), CancellationToken.None).GetAwaiter().GetResult())
            {
                throw Failure((PostgresException)e);
            }
        }
        catch (NpgsqlException e) when (e.InnerException is LakebaseException inner)
        {
            ExceptionDispatchInfo.Throw(inner);
        }
        finally
        {
            CredentialUse.End();
        }

        return OpenAgain(() =>
        {
            connection.Open();
            return Task.CompletedTask;
        }).GetAwaiter().GetResult();
    }

    public override async ValueTask<InterceptionResult> ConnectionOpeningAsync(
        DbConnection connection, ConnectionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default)
    {
        if (result.IsSuppressed)
        {
            return result;
        }

        var generation = credentials.Generation;
        var use = CredentialUse.Begin();
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return InterceptionResult.Suppress();
        }
        catch (Exception e) when (IsAuthenticationFailure(e, out var sqlState))
        {
            OnRejected(sqlState);
            if (!await credentials.ForceRefreshAsync(Rejected(use, generation), cancellationToken).ConfigureAwait(false))
            {
                throw Failure((PostgresException)e);
            }
        }
        catch (NpgsqlException e) when (e.InnerException is LakebaseException inner)
        {
            // The password provider's own error (e.g. the workspace rejected our client secret) says more than Npgsql's wrapper.
            ExceptionDispatchInfo.Throw(inner);
        }

        return await OpenAgain(() => connection.OpenAsync(cancellationToken)).ConfigureAwait(false);
    }

    internal static bool IsAuthenticationFailure(Exception exception, out string? sqlState)
    {
        sqlState = (exception as PostgresException)?.SqlState;
        return sqlState is PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification;
    }

    // The credential the failed login used; if the password was never asked for (a pooled connection), the one
    // that was current when the open began.
    private static long Rejected(CredentialUse use, long generationAtStart) => use.Generation >= 0 ? use.Generation : generationAtStart;

    private LakebaseAuthenticationException Failure(PostgresException error)
    {
        LakebaseLog.AuthenticationFailedAfterRefresh(logger, user, error.SqlState);
        return LakebaseAuthenticationFailure.Create(user, location, error);
    }

    private void OnRejected(string? sqlState)
    {
        LakebaseLog.AuthenticationFailedRetrying(logger, user, sqlState);
        LakebaseTelemetry.AuthenticationRetries.Add(1);
    }

    private async Task<InterceptionResult> OpenAgain(Func<Task> open)
    {
        try
        {
            await open().ConfigureAwait(false);
            return InterceptionResult.Suppress();
        }
        catch (Exception e) when (IsAuthenticationFailure(e, out var sqlState))
        {
            throw Failure((PostgresException)e);
        }
        catch (NpgsqlException e) when (e.InnerException is LakebaseException inner)
        {
            ExceptionDispatchInfo.Throw(inner);
            throw;
        }
    }
}
