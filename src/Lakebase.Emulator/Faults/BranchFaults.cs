namespace Lakebase.Emulator;

/// <summary>
/// Faults of the branch API (<see cref="EmulatorFaults.Branches"/>): make branch creations end in an error, as a
/// workspace does when it cannot make the copy, so a client's operation polling sees <c>done: true</c> with <c>error</c>;
/// or make operation reads fail for a while (a 429 or 503), as a busy workspace does while the operation goes on.
/// </summary>
public sealed class BranchFaults
{
    private readonly object _gate = new();
    private int _failuresLeft;
    private string? _message;
    private int _readFailuresLeft;
    private int _readFailureStatus;
    private int _deleteFailuresLeft;
    private int _deleteFailureStatus;

    internal BranchFaults()
    {
    }

    /// <summary>How many branch creations are still going to fail.</summary>
    public int PendingCreationFailures
    {
        get
        {
            lock (_gate)
            {
                return _failuresLeft;
            }
        }
    }

    /// <summary>
    /// Makes the next <paramref name="count"/> branch-create operations end with <c>error</c>
    /// (<c>error_code: INTERNAL_ERROR</c>, <paramref name="message"/>) instead of the branch; the branch is then gone.
    /// The POST itself still answers 200 with a running operation.
    /// </summary>
    /// <param name="count">How many creations fail.</param>
    /// <param name="message">The operation's error message; <see langword="null"/> for a default one.</param>
    public void FailNextCreations(int count = 1, string? message = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        lock (_gate)
        {
            _failuresLeft = count;
            _message = message;
        }
    }

    /// <summary>
    /// Makes the next <paramref name="count"/> reads of an operation (<c>GET /api/2.0/postgres/{operation}</c>) answer
    /// <paramref name="statusCode"/> (429 with <c>Retry-After: 1</c>, or 503) while the operation itself goes on.
    /// </summary>
    /// <param name="count">How many reads fail.</param>
    /// <param name="statusCode">429 or 503.</param>
    public void FailNextOperationReads(int count, int statusCode = 503)
    {
        CheckTransient(count, statusCode);
        lock (_gate)
        {
            _readFailuresLeft = count;
            _readFailureStatus = statusCode;
        }
    }

    /// <summary>
    /// Makes the next <paramref name="count"/> branch deletes (<c>DELETE …/branches/{b}</c>) answer
    /// <paramref name="statusCode"/> (429 with <c>Retry-After: 1</c>, or 503) without deleting.
    /// </summary>
    /// <param name="count">How many deletes fail.</param>
    /// <param name="statusCode">429 or 503.</param>
    public void FailNextBranchDeletes(int count, int statusCode = 503)
    {
        CheckTransient(count, statusCode);
        lock (_gate)
        {
            _deleteFailuresLeft = count;
            _deleteFailureStatus = statusCode;
        }
    }

    /// <summary>No more injected branch failures.</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _failuresLeft = 0;
            _message = null;
            _readFailuresLeft = 0;
            _deleteFailuresLeft = 0;
        }
    }

    /// <summary>The status an operation read answers instead, or <see langword="null"/> when it may go ahead.</summary>
    internal int? TakeOperationReadFailure()
    {
        lock (_gate)
        {
            return Take(ref _readFailuresLeft, _readFailureStatus);
        }
    }

    /// <summary>The status a branch delete answers instead, or <see langword="null"/> when it may go ahead.</summary>
    internal int? TakeBranchDeleteFailure()
    {
        lock (_gate)
        {
            return Take(ref _deleteFailuresLeft, _deleteFailureStatus);
        }
    }

    private static int? Take(ref int left, int status)
    {
        if (left == 0)
        {
            return null;
        }

        left--;
        return status;
    }

    private static void CheckTransient(int count, int statusCode)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        if (statusCode is not (429 or 503))
        {
            throw new ArgumentOutOfRangeException(nameof(statusCode), statusCode, "Use 429 (rate limited) or 503 (unavailable).");
        }
    }

    /// <summary>The message of an injected failure for this creation, or <see langword="null"/> when it may go ahead.</summary>
    internal string? TakeCreationFailure()
    {
        lock (_gate)
        {
            if (_failuresLeft == 0)
            {
                return null;
            }

            _failuresLeft--;
            return _message ?? "Injected fault: the emulator was told to fail this branch creation (EmulatorFaults.Branches.FailNextCreations).";
        }
    }
}
