using Npgsql;

namespace Lakebase.Npgsql.Connection;

/// <summary>
/// A data source's Npgsql pools, built on first use rather than while configuring, each exactly once: the primary's
/// own pool (its host and user from configuration or looked up), and, with read routing, Npgsql's multi-host pool over
/// the primary and the read-only hosts for <c>WithTargetSession</c> views. Plain connections never use the multi-host
/// pool, so a host it marked offline, or a replica lookup that failed, never holds up a write.
/// </summary>
internal sealed class LazyNpgsqlPool(LakebaseDataSourceParts parts)
{
    private const string LookedUp = "(looked up on first open)";

    private readonly PrimaryHostResolver _primaryHost = new(parts);
    private readonly EndpointHostsResolver _routingHosts = new(parts);
    private readonly DatabaseUserResolver _user = new(parts);
    private readonly object _gate = new();
    private NpgsqlDataSource? _pool = parts.Connection is { Host: { } host, Username: { } username }
        ? parts.BuildNpgsqlDataSource(new EndpointHosts(host, []), username)
        : null;

    private NpgsqlDataSource? _routing;
    private bool _closed;

    /// <summary>The primary's pool once built.</summary>
    public NpgsqlDataSource? Built => Volatile.Read(ref _pool);

    /// <summary>The user connections log in as, or a placeholder until it is known.</summary>
    public string Username => parts.Connection.Username ?? _user.Resolved ?? LookedUp;

    /// <summary>The user when known.</summary>
    public string? KnownUsername => parts.Connection.Username ?? _user.Resolved;

    /// <summary>The hosts once known: the read-only ones once a view has connected.</summary>
    public EndpointHosts? Hosts => _routingHosts.Resolved
        ?? ((parts.Connection.Host ?? _primaryHost.Resolved) is { } primary ? new EndpointHosts(primary, []) : null);

    /// <summary>The primary's pool, built now if needed; a synchronous caller waits for the lookups at most the connect timeout.</summary>
    public NpgsqlDataSource Get() => Built ?? Wait(GetAsync(CancellationToken.None).AsTask());

    public async ValueTask<NpgsqlDataSource> GetAsync(CancellationToken cancellationToken)
    {
        if (Built is { } built)
        {
            return built;
        }

        var host = parts.Connection.Host is { } configured ? Task.FromResult(configured) : _primaryHost.GetAsync(cancellationToken);
        var username = UsernameAsync(cancellationToken);
        var hosts = new EndpointHosts(await host.ConfigureAwait(false), []);
        return Build(ref _pool, hosts, await username.ConfigureAwait(false));
    }

    /// <summary>The pool for <c>WithTargetSession</c> views: the multi-host pool with read routing, else the primary's.</summary>
    public NpgsqlDataSource GetRouting() => Volatile.Read(ref _routing) ?? Wait(GetRoutingAsync(CancellationToken.None).AsTask());

    public async ValueTask<NpgsqlDataSource> GetRoutingAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _routing) is { } routing)
        {
            return routing;
        }

        if (!parts.Connection.ReadRouting.IsEnabled)
        {
            return await GetAsync(cancellationToken).ConfigureAwait(false);
        }

        var hosts = _routingHosts.GetAsync(cancellationToken);
        var username = UsernameAsync(cancellationToken);
        var resolved = await hosts.ConfigureAwait(false);
        var user = await username.ConfigureAwait(false);

        // No read-only host was found (none reported): the views are served by the primary's pool.
        return resolved.ReadOnly.Count == 0 ? await GetAsync(cancellationToken).ConfigureAwait(false) : Build(ref _routing, resolved, user);
    }

    /// <summary>Closes the pools' idle physical connections (those in use close when returned); nothing before the first open.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            if (!_closed)
            {
                _pool?.Clear();
                _routing?.Clear();
            }
        }
    }

    /// <summary>Disposes the pools, and makes sure none is built afterwards.</summary>
    public async ValueTask DisposeAsync()
    {
        NpgsqlDataSource?[] pools;
        lock (_gate)
        {
            _closed = true;
            pools = [_pool, _routing];
        }

        foreach (var pool in pools)
        {
            if (pool is not null)
            {
                await pool.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    public Task<string> UsernameAsync(CancellationToken cancellationToken) =>
        parts.Connection.Username is { } configuredUser ? Task.FromResult(configuredUser) : _user.GetAsync(cancellationToken);

    // Synchronous callers (EF Core creates its DbConnection synchronously) wait for the lookups, bounded by the connect
    // timeout; Task.Run keeps a caller's synchronization context out of the lookups' awaits.
    private NpgsqlDataSource Wait(Task<NpgsqlDataSource> building) =>
        Task.Run(() => building).WaitAsync(parts.ConnectTimeout).GetAwaiter().GetResult();

    private NpgsqlDataSource Build(ref NpgsqlDataSource? slot, EndpointHosts hosts, string username)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            return slot ??= parts.BuildNpgsqlDataSource(hosts, username);
        }
    }
}
