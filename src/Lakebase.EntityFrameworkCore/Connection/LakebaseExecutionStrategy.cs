using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Storage;

namespace Lakebase.EntityFrameworkCore.Connection;

/// <summary>
/// The execution strategy <c>UseLakebase</c> installs by default: the failures <see cref="LakebaseRetryingExecutionStrategy"/>
/// retries, without making EF Core buffer query results, so queries stream as under bare <c>UseNpgsql</c> and an
/// operation that succeeds costs what it costs there.
/// <para>
/// Retried, on a transient error (a dropped or refused connection, a timeout, a session ended by a compute that
/// suspended, restarted or is starting: SQLSTATE 57P01, 57P02, 57P03), outside a transaction the application began:
/// opening a connection; a query, up to the moment its first row is read; <c>SaveChanges</c>, <c>ExecuteSql</c>,
/// <c>ExecuteUpdate</c>/<c>ExecuteDelete</c>, migrations; and whatever the application runs through
/// <c>Database.CreateExecutionStrategy()</c>, retried whole with the operations inside it not retried on their own
/// (<c>ExecuteInTransaction</c> checks its <c>verifySucceeded</c> first). Such a unit of work is told from EF Core's own
/// operations by the type of its state: a delegate, the application's context or a type of its own.
/// As with every EF Core retrying strategy, a write whose connection broke after it was sent is retried and so may
/// be applied twice: use <c>ExecuteInTransaction</c> with a check where that matters.
/// </para>
/// <para>
/// Not retried: a query that fails while its rows are being read (EF Core has already handed some out). That is
/// what <c>EnableRetryOnFailure()</c> adds, by reading every query whole before returning its first row. Inside a
/// transaction the application began itself, nothing is retried and nothing throws for it.
/// </para>
/// </summary>
public sealed class LakebaseExecutionStrategy : IExecutionStrategy
{
    // Only what the hot path reads. EF Core's strategy base class allocates a list and a random number generator per
    // instance, and an instance is made per DbContext; the retrying half is made only when an operation fails or a
    // unit of work arrives.
    private readonly ExecutionStrategyDependencies _dependencies;
    private readonly int _maxRetryCount;
    private readonly TimeSpan _maxRetryDelay;
    private Retrier? _retrier;

    /// <summary>Creates the strategy.</summary>
    /// <param name="dependencies">EF Core's execution strategy dependencies.</param>
    /// <param name="maxRetryCount">How many times an operation is retried.</param>
    /// <param name="maxRetryDelay">The longest wait between retries.</param>
    public LakebaseExecutionStrategy(ExecutionStrategyDependencies dependencies, int maxRetryCount, TimeSpan maxRetryDelay)
    {
        ArgumentNullException.ThrowIfNull(dependencies);
        ArgumentOutOfRangeException.ThrowIfNegative(maxRetryCount);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRetryDelay, TimeSpan.Zero);
        _dependencies = dependencies;
        _maxRetryCount = maxRetryCount;
        _maxRetryDelay = maxRetryDelay;
    }

    /// <summary>
    /// Always <see langword="false"/>: EF Core reads it to decide whether to buffer every query's results so that a
    /// retry can replay them, and this strategy never replays a query that has handed out rows.
    /// </summary>
    public bool RetriesOnFailure => false;

    private Retrier Retrying => _retrier ??= new Retrier(_dependencies, _maxRetryCount, _maxRetryDelay);

    /// <inheritdoc />
    public TResult Execute<TState, TResult>(
        TState state,
        Func<DbContext, TState, TResult> operation,
        Func<DbContext, TState, ExecutionResult<TResult>>? verifySucceeded)
    {
        ArgumentNullException.ThrowIfNull(operation);
        if (Retrier.InUnitOfWork) // nested in a unit of work the outer strategy retries whole
        {
            return operation(_dependencies.CurrentContext.Context, state);
        }

        if (verifySucceeded is not null || UnitOfWork<TState>.IsApplications)
        {
            return Retrying.Execute(state, operation, verifySucceeded);
        }

        // The hot path: one call, no allocation, exactly what bare UseNpgsql does for an operation that succeeds.
        // A catch, not an exception filter: a filter runs before the finally blocks below it, when EF Core's own
        // SaveChanges transaction would still look like the application's.
        try
        {
            return operation(_dependencies.CurrentContext.Context, state);
        }
        catch (Exception failure)
        {
            if (!Retrying.CanRetry(failure))
            {
                throw;
            }

            return Retrying.Retry(failure, state, operation);
        }
    }

    /// <inheritdoc />
    public Task<TResult> ExecuteAsync<TState, TResult>(
        TState state,
        Func<DbContext, TState, CancellationToken, Task<TResult>> operation,
        Func<DbContext, TState, CancellationToken, Task<ExecutionResult<TResult>>>? verifySucceeded,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(operation);
        if (Retrier.InUnitOfWork) // nested in a unit of work the outer strategy retries whole
        {
            return operation(_dependencies.CurrentContext.Context, state, cancellationToken);
        }

        if (verifySucceeded is not null || UnitOfWork<TState>.IsApplications)
        {
            return Retrying.ExecuteAsync(state, operation, verifySucceeded, cancellationToken);
        }

        Task<TResult> attempt;
        try
        {
            attempt = operation(_dependencies.CurrentContext.Context, state, cancellationToken);
        }
        catch (Exception failure)
        {
            if (!Retrying.CanRetry(failure))
            {
                throw;
            }

            return Retrying.RetryAsync(failure, state, operation, cancellationToken);
        }

        return attempt.IsCompletedSuccessfully ? attempt : AwaitFirstAttemptAsync(attempt, state, operation, cancellationToken);
    }

    private async Task<TResult> AwaitFirstAttemptAsync<TState, TResult>(
        Task<TResult> attempt, TState state, Func<DbContext, TState, CancellationToken, Task<TResult>> operation, CancellationToken cancellationToken)
    {
        Exception failure;
        try
        {
            return await attempt.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            if (!Retrying.CanRetry(e))
            {
                throw;
            }

            failure = e;
        }

        return await Retrying.RetryAsync(failure, state, operation, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The retrying half: the same failures, delays, retry count and events as <see cref="LakebaseRetryingExecutionStrategy"/>,
    /// without buffering. It runs units of work through EF Core's own path (which marks itself current, so the
    /// operations nested in one are not retried on their own while the whole is), and retries an operation of EF Core's
    /// that failed on the hot path.
    /// </summary>
    private sealed class Retrier(ExecutionStrategyDependencies dependencies, int maxRetryCount, TimeSpan maxRetryDelay)
        : LakebaseRetryingExecutionStrategy(dependencies, maxRetryCount, maxRetryDelay)
    {
        public static bool InUnitOfWork => Current is not null;

        public override bool RetriesOnFailure => false;

        public bool CanRetry(Exception failure) => !InUserTransaction() && CallOnWrappedException(failure, ShouldRetryOn);

        // A unit of work runs through EF Core's loop, whose message on running out of retries names the strategy's
        // type: this nested class. The message is the one every other operation gets.
        public override TResult Execute<TState, TResult>(
            TState state,
            Func<DbContext, TState, TResult> operation,
            Func<DbContext, TState, ExecutionResult<TResult>>? verifySucceeded)
        {
            try
            {
                return base.Execute(state, operation, verifySucceeded);
            }
            catch (RetryLimitExceededException e) when (e.InnerException is { } last && ExceptionsEncountered.Count > MaxRetryCount)
            {
                throw LimitReached(last);
            }
        }

        public override async Task<TResult> ExecuteAsync<TState, TResult>(
            TState state,
            Func<DbContext, TState, CancellationToken, Task<TResult>> operation,
            Func<DbContext, TState, CancellationToken, Task<ExecutionResult<TResult>>>? verifySucceeded,
            CancellationToken cancellationToken = default)
        {
            try
            {
                return await base.ExecuteAsync(state, operation, verifySucceeded, cancellationToken).ConfigureAwait(false);
            }
            catch (RetryLimitExceededException e) when (e.InnerException is { } last && ExceptionsEncountered.Count > MaxRetryCount)
            {
                throw LimitReached(last);
            }
        }

        public TResult Retry<TState, TResult>(Exception failure, TState state, Func<DbContext, TState, TResult> operation)
        {
            ExceptionsEncountered.Clear();
            while (true)
            {
                Thread.Sleep(NextDelay(failure, async: false));
                try
                {
                    return operation(Dependencies.CurrentContext.Context, state);
                }
                catch (Exception e)
                {
                    if (!CanRetry(e))
                    {
                        throw;
                    }

                    failure = e;
                }
            }
        }

        public async Task<TResult> RetryAsync<TState, TResult>(
            Exception failure, TState state, Func<DbContext, TState, CancellationToken, Task<TResult>> operation, CancellationToken cancellationToken)
        {
            ExceptionsEncountered.Clear();
            while (true)
            {
                await Task.Delay(NextDelay(failure, async: true), cancellationToken).ConfigureAwait(false);
                try
                {
                    return await operation(Dependencies.CurrentContext.Context, state, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    if (!CanRetry(e))
                    {
                        throw;
                    }

                    failure = e;
                }
            }
        }

        // EF Core's own bookkeeping, so the retry count, delays and the ExecutionStrategyRetrying event match its strategies.
        private TimeSpan NextDelay(Exception failure, bool async)
        {
            ExceptionsEncountered.Add(failure);
            var delay = GetNextDelay(failure) ?? throw LimitReached(failure);
            Dependencies.Logger.ExecutionStrategyRetrying(ExceptionsEncountered, delay, async);
            OnRetry();
            return delay;
        }

        // EF Core's own message for a unit of work that ran out of retries would name this nested class.
        private RetryLimitExceededException LimitReached(Exception last) => new(
            $"The operation failed on a transient error {ExceptionsEncountered.Count} times in a row (the last is the inner exception); " +
            $"{nameof(LakebaseExecutionStrategy)} stopped after {MaxRetryCount} retries. A compute that is starting or restarting answers within " +
            "seconds, so check the endpoint's state in the Lakebase UI and the network path to its host.", last);
    }

    /// <summary>
    /// Whether EF Core's path (which marks itself current, so the operations nested in a unit of work are not retried on
    /// their own while the whole is) should run an operation whose state is a <typeparamref name="TState"/>. EF Core's
    /// own operations (a query's enumerator, SaveChanges' tuple of its state manager, a migration) pass states of its
    /// own types; the application's units of work pass its delegate, an anonymous wrapper of it, its context, or a state
    /// of its own. Told from the type once per type.
    /// </summary>
    private static class UnitOfWork<TState>
    {
        public static readonly bool IsApplications =
            typeof(DbContext).IsAssignableFrom(typeof(TState)) || !IsFrameworkType(typeof(TState));

        // EF Core's and Npgsql's own types (a query's enumerator, generic over the application's entity) are theirs
        // unless they carry a delegate (the anonymous wrapper ExecutionStrategyExtensions makes of the application's
        // operation); the runtime's (tuples, primitives) are theirs when everything they carry is.
        private static bool IsFrameworkType(Type type)
        {
            if (typeof(Delegate).IsAssignableFrom(type))
            {
                return false;
            }

            var arguments = type.IsGenericType ? type.GetGenericArguments() : [];
            var assembly = type.Assembly.GetName().Name ?? string.Empty;
            if (assembly.StartsWith("Microsoft.EntityFrameworkCore", StringComparison.Ordinal) || assembly.StartsWith("Npgsql", StringComparison.Ordinal))
            {
                return !arguments.Any(a => typeof(Delegate).IsAssignableFrom(a));
            }

            return type.Assembly == typeof(object).Assembly && arguments.All(IsFrameworkType);
        }
    }
}
