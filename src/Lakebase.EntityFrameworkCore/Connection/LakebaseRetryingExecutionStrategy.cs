using Lakebase.Npgsql;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using Npgsql.EntityFrameworkCore.PostgreSQL;

namespace Lakebase.EntityFrameworkCore.Connection;

/// <summary>
/// EF Core's buffering retrying strategy for Lakebase, chosen with <c>EnableRetryOnFailure()</c>: EF Core reads every
/// query's results whole inside the strategy, so a failure while the rows are read is retried too. The default,
/// <see cref="LakebaseExecutionStrategy"/>, retries the same failures without buffering. Npgsql's retrying strategy
/// plus what Lakebase adds: sessions terminated by a compute that suspended or restarted
/// (57P01 admin_shutdown, 57P02, 57P03 cannot_connect_now while it starts). A credential request that failed is
/// not retried here: the credential cache already retried it within the open, and the user should see its error.
/// Inside a transaction the application began itself (<c>BeginTransaction()</c>, <c>TransactionScope</c>) an
/// operation runs once, without retry, instead of throwing as EF Core's retrying strategies do: code ported from
/// <c>UseNpgsql</c> works unchanged, and a retry that could replay half a transaction never happens.
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

    // RetriesOnFailure is deliberately not overridden: EF Core compiles (and caches) queries as buffered or streaming
    // from it, so it must not change with the transaction a particular call happens to run in.

    /// <inheritdoc />
    public override TResult Execute<TState, TResult>(
        TState state,
        Func<DbContext, TState, TResult> operation,
        Func<DbContext, TState, ExecutionResult<TResult>>? verifySucceeded) =>
        InUserTransaction() ? operation(Dependencies.CurrentContext.Context, state) : base.Execute(state, operation, verifySucceeded);

    /// <inheritdoc />
    public override Task<TResult> ExecuteAsync<TState, TResult>(
        TState state,
        Func<DbContext, TState, CancellationToken, Task<TResult>> operation,
        Func<DbContext, TState, CancellationToken, Task<ExecutionResult<TResult>>>? verifySucceeded,
        CancellationToken cancellationToken = default) =>
        InUserTransaction() ? operation(Dependencies.CurrentContext.Context, state, cancellationToken) : base.ExecuteAsync(state, operation, verifySucceeded, cancellationToken);

    /// <inheritdoc />
    protected override bool ShouldRetryOn(Exception? exception) =>
        exception is not LakebaseException && exception?.InnerException is not LakebaseException
        && (base.ShouldRetryOn(exception) || IsTransactionBrokenByTransientError(exception) || IsStreamClosedByBrokenConnection(exception));

    // A session dropped under a synchronous write can surface as Npgsql's read failing on the stream its own failed
    // write already closed (the connector broke, then read): the dropped connection the IOException would have named.
    private static bool IsStreamClosedByBrokenConnection(Exception? exception) =>
        exception is NpgsqlException { InnerException: ObjectDisposedException { ObjectName: { } name } } && name.EndsWith("Stream", StringComparison.Ordinal);

    // A session dropped (suspend, restart, idle cut) while SaveChanges released its savepoint inside
    // ExecuteInTransaction: Npgsql breaks the connection, and the COMMIT that follows finds the transaction disposed.
    // The cause is a transient network error; the transaction never committed, and ExecuteInTransaction's
    // verifySucceeded guards the case where it did.
    private static bool IsTransactionBrokenByTransientError(Exception? exception) =>
        exception is ObjectDisposedException { InnerException: NpgsqlException { IsTransient: true } };

    // A transaction EF Core did not begin for this operation: the application's own, or an ambient one.
    private protected bool InUserTransaction()
    {
        var database = Dependencies.CurrentContext.Context?.Database;
        return database is not null
            && (database.CurrentTransaction is not null || System.Transactions.Transaction.Current is not null);
    }
}
