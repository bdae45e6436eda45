using Lakebase.Npgsql.Diagnostics;

namespace Lakebase.Npgsql.Resilience;

/// <summary>
/// One fetch at a time, shared by every caller, for each value the library obtains over the network (the database
/// credential, a workspace token, the endpoint's host, the database user, the chosen authentication method):
/// <list type="bullet">
/// <item>Concurrent callers join the running fetch; a caller's own cancellation abandons only its wait.</item>
/// <item>Every fetch runs under a hard deadline. A fetch that overruns it (one that ignores its cancellation token and
/// hangs, say) is abandoned: its callers get <c>timedOut</c>'s error, nothing awaits it any more, and the next call
/// starts a new fetch. A timed-out fetch is not remembered: it has already spent its deadline.</item>
/// <item>Any other failure is remembered for a backoff window (<see cref="Backoff"/>, or what <c>onFailure</c>
/// returns); calls inside it fail fast with that error instead of asking the workspace again.</item>
/// <item>Nothing is cached on success: the owner keeps the value (<c>commit</c> runs before any waiter resumes).</item>
/// </list>
/// </summary>
/// <typeparam name="T">What a fetch produces.</typeparam>
internal sealed class SingleFlight<T>
{
    private readonly TimeProvider _time;
    private readonly Func<TimeSpan, Exception, Exception> _timedOut;
    private readonly Func<T, T> _commit;
    private readonly Func<FlightFailure, TimeSpan> _onFailure;
    private readonly object _gate = new();
    private volatile Task<T>? _running;
    private Exception? _failure;
    private DateTimeOffset _retryNotBefore;
    private DateTimeOffset _failedAt;
    private int _failures;

    /// <param name="time">The clock of deadlines and backoff windows.</param>
    /// <param name="timedOut">The error for a fetch that overran its deadline: says what timed out and how to fix it.</param>
    /// <param name="commit">Stores a fetched value (runs once per successful fetch, before callers see it); identity if null.</param>
    /// <param name="onFailure">Records a failure and returns how long to remember it; <see cref="DefaultWindow"/> if null.</param>
    /// <param name="random">The jitter of the default window; <see cref="Random.Shared"/> if null.</param>
    public SingleFlight(
        TimeProvider time,
        Func<TimeSpan, Exception, Exception> timedOut,
        Func<T, T>? commit = null,
        Func<FlightFailure, TimeSpan>? onFailure = null,
        Random? random = null)
    {
        _time = time;
        _timedOut = timedOut;
        _commit = commit ?? (static value => value);
        var jitter = random ?? Random.Shared;
        _onFailure = onFailure ?? (failure => DefaultWindow(failure, jitter));
    }

    /// <summary>Whether a fetch is running (read without a lock).</summary>
    public bool IsRunning => _running is not null;

    /// <summary>
    /// Ends the remembered failure's window early: at most what <paramref name="window"/> returns for the failure after
    /// it happened, or unchanged when it returns null. For when what the window was sized for no longer holds (a refusal
    /// remembered for minutes behind a credential that has since been revoked). The count of consecutive failures is kept.
    /// Returns when the window now ends; null when no failure is remembered.
    /// </summary>
    public DateTimeOffset? ShortenFailure(Func<Exception, TimeSpan?> window)
    {
        lock (_gate)
        {
            if (_failure is not { } failure)
            {
                return null;
            }

            if (window(failure) is { } shorter && _failedAt + shorter < _retryNotBefore)
            {
                _retryNotBefore = _failedAt + shorter;
            }

            return _retryNotBefore;
        }
    }

    /// <summary>
    /// The running fetch, or a new one running <paramref name="fetch"/> under <paramref name="deadline"/>; inside a
    /// remembered failure's window, that failure at once. Callers wait on the result with their own token
    /// (<c>WaitAsync</c>), so their cancellation never cancels the shared fetch. <paramref name="stopping"/> (the
    /// owner's disposal) does cancel it.
    /// </summary>
    public Task<T> RunAsync(Func<CancellationToken, Task<T>> fetch, TimeSpan deadline, CancellationToken stopping = default)
    {
        TaskCompletionSource<T> flight;
        lock (_gate)
        {
            if (_running is { } running)
            {
                return running;
            }

            if (_failure is { } failure && _time.GetUtcNow() < _retryNotBefore)
            {
                return Task.FromException<T>(failure);
            }

            flight = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
            _running = flight.Task;
        }

        // Outside the lock and off the caller's thread: a fetch that blocks synchronously must not block the caller.
        _ = Task.Run(() => DriveOrAbortAsync(flight, fetch, deadline, stopping), CancellationToken.None);
        return flight.Task;
    }

    // Whatever goes wrong around the fetch itself (a deadline no timer can take, say), the flight ends: a flight left
    // running would hand every later caller a task that never completes.
    private async Task DriveOrAbortAsync(TaskCompletionSource<T> flight, Func<CancellationToken, Task<T>> fetch, TimeSpan deadline, CancellationToken stopping)
    {
        try
        {
            await DriveAsync(flight, fetch, deadline, stopping).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            lock (_gate)
            {
                if (ReferenceEquals(_running, flight.Task))
                {
                    _running = null;
                }
            }

            flight.TrySetException(e);
        }
    }

    /// <summary>A timeout is not remembered (it already took its deadline); any other failure for the <see cref="Backoff"/> window of its kind.</summary>
    public static TimeSpan DefaultWindow(FlightFailure failure, Random? random) =>
        failure.TimedOut || failure.Error is OperationCanceledException ? TimeSpan.Zero
        : failure.Error is LakebaseCredentialException credential
            ? Backoff.Delay(failure.ConsecutiveFailures, credential.IsTransient, credential.RetryAfter, random)
            : Backoff.Delay(failure.ConsecutiveFailures, transient: false, retryAfter: null, random);

    private async Task DriveAsync(TaskCompletionSource<T> flight, Func<CancellationToken, Task<T>> fetch, TimeSpan deadline, CancellationToken stopping)
    {
        using var deadlineSource = new CancellationTokenSource(deadline, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadlineSource.Token, stopping);
        var token = linked.Token;
        var work = Task.Run(() => fetch(token), CancellationToken.None);
        T value;
        Exception? error = null;
        var timedOut = false;
        try
        {
            // The wait, not the fetch, is what the deadline bounds: a fetch deaf to its token is left behind.
            value = _commit(await work.WaitAsync(deadline, _time, stopping).ConfigureAwait(false));
        }
        catch (Exception e)
        {
            value = default!;
            // Any cancellation but the owner's disposal is a timeout (ours, or one inside the fetch such as HttpClient's):
            // callers get an error that says what to fix, never a bare OperationCanceledException.
            timedOut = !stopping.IsCancellationRequested && e is TimeoutException or OperationCanceledException;
            error = timedOut ? _timedOut(deadline, e) : e;
            if (!work.IsCompleted)
            {
                // Abandoned: observe its eventual failure so it is not reported as unobserved.
                _ = work.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }

        if (error is null)
        {
            lock (_gate)
            {
                _failure = null;
                _failures = 0;
                _running = null;
            }

            flight.SetResult(value);
            return;
        }

        int failures;
        lock (_gate)
        {
            failures = ++_failures;
        }

        // Outside the lock: the owner's bookkeeping takes its own lock, and owners call RunAsync under theirs.
        var window = stopping.IsCancellationRequested ? TimeSpan.Zero : _onFailure(new FlightFailure(error, failures, timedOut));
        lock (_gate)
        {
            _failure = window > TimeSpan.Zero ? error : null;
            _failedAt = _time.GetUtcNow();
            _retryNotBefore = _failedAt + window;
            _running = null;
        }

        flight.SetException(error);
    }
}

/// <summary>A failed fetch: its error (already the timeout error if it overran), how many failed in a row, and whether it overran.</summary>
internal readonly record struct FlightFailure(Exception Error, int ConsecutiveFailures, bool TimedOut);
