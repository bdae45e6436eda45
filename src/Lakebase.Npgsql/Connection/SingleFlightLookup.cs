namespace Lakebase.Npgsql.Connection;

/// <summary>
/// A value looked up on the first open rather than while options are built: one lookup at a time, shared by every
/// waiting open, bounded by the connect timeout; after a failure, opens fail fast with that error until a backoff has
/// passed, so a down API is not asked once per open.
/// </summary>
internal abstract class SingleFlightLookup(LakebaseDataSourceParts parts)
{
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    private readonly object _gate = new();
    private Task<string>? _lookup;
    private DateTimeOffset _retryAfter;
    private TimeSpan _backoff = FirstBackoff;

    /// <summary>The value once a lookup succeeded.</summary>
    public string? Resolved { get; private set; }

    protected LakebaseDataSourceParts Parts => parts;

    public Task<string> GetAsync(CancellationToken cancellationToken)
    {
        Task<string> lookup;
        lock (_gate)
        {
            if (Resolved is { } value)
            {
                return Task.FromResult(value);
            }

            if (_lookup is null || (_lookup.IsFaulted && parts.TimeProvider.GetUtcNow() >= _retryAfter))
            {
                _lookup = LookUpAsync();
            }

            lookup = _lookup;
        }

        return lookup.WaitAsync(cancellationToken);
    }

    /// <summary>Does the lookup (network calls allowed); logs its result.</summary>
    protected abstract Task<string> LookUpCoreAsync(CancellationToken cancellationToken);

    private async Task<string> LookUpAsync()
    {
        // Bounded like an open: the lookup is part of the first open's budget.
        using var timeout = new CancellationTokenSource(parts.ConnectTimeout, parts.TimeProvider);
        try
        {
            var value = await LookUpCoreAsync(timeout.Token).ConfigureAwait(false);
            lock (_gate)
            {
                Resolved = value;
            }

            return value;
        }
        catch
        {
            lock (_gate)
            {
                _retryAfter = parts.TimeProvider.GetUtcNow() + _backoff;
                _backoff = _backoff * 2 < MaxBackoff ? _backoff * 2 : MaxBackoff;
            }

            throw;
        }
    }
}
