using Npgsql;

namespace Lakebase.Npgsql.Connection;

/// <summary>
/// A data source's Npgsql pool, built on the first open rather than while configuring: its hosts and user come from
/// configuration or are looked up then (both lookups at once, each single-flight), and it is built exactly once.
/// </summary>
internal sealed class LazyNpgsqlPool(LakebaseDataSourceParts parts)
{
    private const string LookedUp = "(looked up on first open)";

    private readonly EndpointHostsResolver _hosts = new(parts);
    private readonly DatabaseUserResolver _user = new(parts);
    private readonly object _gate = new();
    private NpgsqlDataSource? _pool = parts.Connection is { Host: { } host, Username: { } username, ReadRouting.IsEnabled: false }
        ? parts.BuildNpgsqlDataSource(new EndpointHosts(host, []), username)
        : null;

    private bool _closed;

    /// <summary>The pool once built.</summary>
    public NpgsqlDataSource? Built => Volatile.Read(ref _pool);

    /// <summary>The user connections log in as, or a placeholder until it is known.</summary>
    public string Username => parts.Connection.Username ?? _user.Resolved ?? LookedUp;

    /// <summary>The user when known.</summary>
    public string? KnownUsername => parts.Connection.Username ?? _user.Resolved;

    /// <summary>The hosts once known.</summary>
    public EndpointHosts? Hosts => _hosts.Resolved ?? (parts.Connection is { Host: { } host, ReadRouting.IsEnabled: false } ? new EndpointHosts(host, []) : null);

    /// <summary>The pool, built now if needed; a synchronous caller waits for the lookups at most the connect timeout.</summary>
    public NpgsqlDataSource Get()
    {
        if (Built is { } built)
        {
            return built;
        }

        // Synchronous callers (EF Core creates its DbConnection synchronously) wait for the lookup, bounded by the
        // connect timeout; Task.Run keeps a caller's synchronization context out of the lookup's awaits.
        var (hosts, username) = Task.Run(() => ResolveAsync(CancellationToken.None)).WaitAsync(parts.ConnectTimeout).GetAwaiter().GetResult();
        return Build(hosts, username);
    }

    public async ValueTask<NpgsqlDataSource> GetAsync(CancellationToken cancellationToken)
    {
        if (Built is { } built)
        {
            return built;
        }

        var (hosts, username) = await ResolveAsync(cancellationToken).ConfigureAwait(false);
        return Build(hosts, username);
    }

    /// <summary>Closes the pool's idle physical connections (those in use close when returned); nothing before the first open.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            if (!_closed)
            {
                _pool?.Clear();
            }
        }
    }

    /// <summary>Disposes the pool, and makes sure none is built afterwards.</summary>
    public async ValueTask DisposeAsync()
    {
        NpgsqlDataSource? pool;
        lock (_gate)
        {
            _closed = true;
            pool = _pool;
        }

        if (pool is not null)
        {
            await pool.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task<(EndpointHosts Hosts, string Username)> ResolveAsync(CancellationToken cancellationToken)
    {
        var hosts = Hosts is { } known ? Task.FromResult(known) : _hosts.GetAsync(cancellationToken);
        var username = parts.Connection.Username is { } configuredUser ? Task.FromResult(configuredUser) : _user.GetAsync(cancellationToken);
        return (await hosts.ConfigureAwait(false), await username.ConfigureAwait(false));
    }

    private NpgsqlDataSource Build(EndpointHosts hosts, string username)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            return _pool ??= parts.BuildNpgsqlDataSource(hosts, username);
        }
    }
}
