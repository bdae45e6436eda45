using Lakebase.Npgsql.Resilience;

namespace Lakebase.Npgsql.Connection;

/// <summary>
/// A value looked up on the first open rather than while options are built, once per data source: one lookup at a
/// time shared by every waiting open (<see cref="SingleFlight{T}"/>), bounded by the connect timeout. After a failure,
/// opens fail fast with that error until a backoff has passed; a lookup that timed out is retried by the next open.
/// </summary>
internal abstract class SingleFlightLookup<T>
    where T : class
{
    private readonly SingleFlight<T> _lookup;
    private volatile T? _resolved;

    protected SingleFlightLookup(LakebaseDataSourceParts parts)
    {
        Parts = parts;
        _lookup = new SingleFlight<T>(parts.TimeProvider, (deadline, e) => TimedOut(deadline, e), commit: value => _resolved = value);
    }

    /// <summary>The value once a lookup succeeded.</summary>
    public T? Resolved => _resolved;

    protected LakebaseDataSourceParts Parts { get; }

    /// <summary>What is looked up, for the timeout message ("look up the endpoint's host").</summary>
    protected abstract string What { get; }

    public Task<T> GetAsync(CancellationToken cancellationToken) =>
        _resolved is { } value ? Task.FromResult(value)
        : _lookup.RunAsync(LookUpCoreAsync, Parts.ConnectTimeout).WaitAsync(cancellationToken);

    /// <summary>Does the lookup (network calls allowed); logs its result.</summary>
    protected abstract Task<T> LookUpCoreAsync(CancellationToken cancellationToken);

    private LakebaseCredentialException TimedOut(TimeSpan deadline, Exception inner) => new(
        LakebaseCredentialError.Unavailable,
        $"Could not {What} for Lakebase endpoint {Parts.Endpoint.Name} within the connect timeout ({deadline.TotalSeconds:0.#} s): the workspace API is slow or unreachable. " +
        "The next open tries again. Raise ConnectTimeout if this is expected, check the network path to DATABRICKS_HOST, or set the value explicitly to skip the lookup (Host(...)/PGHOST, Username(...)/PGUSER).",
        innerException: inner);
}
