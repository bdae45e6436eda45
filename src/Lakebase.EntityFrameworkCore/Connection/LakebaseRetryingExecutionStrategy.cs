using Lakebase.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using Npgsql.EntityFrameworkCore.PostgreSQL;

namespace Lakebase.EntityFrameworkCore.Connection;

/// <summary>
/// Npgsql's retrying strategy plus what Lakebase adds: sessions terminated by a compute that suspended or restarted
/// (57P01 admin_shutdown, 57P02, 57P03 cannot_connect_now while it starts). A credential request that failed is
/// not retried here: the credential cache already retried it within the open, and the user should see its error.
/// </summary>
public class LakebaseRetryingExecutionStrategy : NpgsqlRetryingExecutionStrategy
{
    private static readonly string[] LakebaseTransientSqlStates =
    [
        PostgresErrorCodes.AdminShutdown,
        PostgresErrorCodes.CrashShutdown,
        PostgresErrorCodes.CannotConnectNow,
    ];

    /// <summary>Creates the strategy.</summary>
    /// <param name="dependencies">EF Core's execution strategy dependencies.</param>
    /// <param name="maxRetryCount">How many times an operation is retried.</param>
    /// <param name="maxRetryDelay">The longest wait between retries.</param>
    public LakebaseRetryingExecutionStrategy(ExecutionStrategyDependencies dependencies, int maxRetryCount, TimeSpan maxRetryDelay)
        : base(dependencies, maxRetryCount, maxRetryDelay, LakebaseTransientSqlStates)
    {
    }

    /// <inheritdoc />
    protected override bool ShouldRetryOn(Exception? exception) =>
        exception is not LakebaseException && exception?.InnerException is not LakebaseException && base.ShouldRetryOn(exception);
}
