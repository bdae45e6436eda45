using Lakebase.Npgsql.Diagnostics;

namespace Lakebase.Npgsql.Connection;

/// <summary>
/// Looks up the endpoint's host (<c>GET /api/2.0/postgres/{endpoint}</c>) on the first open rather than while options
/// are built: one lookup at a time, shared by every waiting open; after a failure, opens fail fast with that error
/// until a backoff has passed, so a down API is not asked once per open.
/// </summary>
internal sealed class EndpointHostResolver(LakebaseDataSourceParts parts)
{
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    private readonly object _gate = new();
    private Task<string>? _lookup;
    private DateTimeOffset _retryAfter;
    private TimeSpan _backoff = FirstBackoff;

    /// <summary>The host once a lookup succeeded.</summary>
    public string? Resolved { get; private set; }

    public Task<string> GetAsync(CancellationToken cancellationToken)
    {
        Task<string> lookup;
        lock (_gate)
        {
            if (Resolved is { } host)
            {
                return Task.FromResult(host);
            }

            if (_lookup is null || (_lookup.IsFaulted && parts.TimeProvider.GetUtcNow() >= _retryAfter))
            {
                _lookup = LookUpAsync();
            }

            lookup = _lookup;
        }

        return lookup.WaitAsync(cancellationToken);
    }

    private async Task<string> LookUpAsync()
    {
        // Bounded like an open: the lookup is part of the first open's budget.
        using var timeout = new CancellationTokenSource(parts.ConnectTimeout, parts.TimeProvider);
        try
        {
            var host = await parts.Client.GetEndpointHostAsync(timeout.Token).ConfigureAwait(false);
            lock (_gate)
            {
                Resolved = host;
            }

            LakebaseLog.EndpointHostResolved(parts.Logger, parts.Endpoint.Name, host);
            return host;
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
