using System.Data.Common;
using Lakebase.Npgsql.Connection;
using Lakebase.Npgsql.Credentials;
using Npgsql;

namespace Lakebase.Npgsql;

/// <summary>
/// A Databricks Lakebase endpoint as an ADO.NET data source: one Npgsql pool whose password is the current OAuth
/// database credential, refreshed in the background. Opens through this data source (<see cref="OpenConnectionAsync"/>,
/// <see cref="OpenAsync(NpgsqlConnection, CancellationToken)"/>, or Dapper on a connection opened that way) retry once
/// with a fresh credential when Lakebase rejects a login (SQLSTATE 28P01/28000, e.g. a revoked token).
/// </summary>
/// <remarks>
/// Register one with <c>services.AddLakebaseDataSource(...)</c> (the container owns and disposes it) or build one with
/// <see cref="LakebaseDataSourceBuilder"/>. Building it makes no network call: when no host is configured the
/// endpoint's host is looked up on the first open.
/// </remarks>
public sealed class LakebaseDataSource : DbDataSource
{
    private readonly LakebaseDataSourceParts _parts;
    private readonly LazyNpgsqlPool _pool;
    private readonly DbDataSource?[] _targetSessions = new DbDataSource?[8];
    private int _disposed;
    private long _lastUsed;

    internal LakebaseDataSource(LakebaseDataSourceParts parts)
    {
        _parts = parts;
        _lastUsed = parts.TimeProvider.GetTimestamp();
        _pool = new LazyNpgsqlPool(parts);
    }

    /// <summary>
    /// The service key under which <c>AddLakebaseDataSource</c> registers the read view of its data source as a
    /// <see cref="DbDataSource"/> (<c>WithTargetSession(PreferStandby)</c>): inject it with
    /// <c>[FromKeyedServices(LakebaseDataSource.ReadOnlyServiceKey)] DbDataSource reads</c>. A keyed data source's view is
    /// under its key plus <c>":read-only"</c> (string keys only).
    /// </summary>
    public const string ReadOnlyServiceKey = "lakebase:read-only";

    /// <summary>The endpoint name, <c>projects/{project}/branches/{branch}/endpoints/{endpoint}</c>.</summary>
    public string Endpoint => _parts.Endpoint.Name;

    /// <summary>
    /// The PostgreSQL role connections log in as: <c>Username(...)</c>/<c>PGUSER</c>, a service principal's application id,
    /// or the user the workspace reports for the token (<c>(looked up on first open)</c> until then).
    /// </summary>
    public string Username => _pool.Username;

    /// <summary>The connection string without a password (host and user read <c>(looked up on first open)</c> until they are known).</summary>
    public override string ConnectionString => _pool.Built?.ConnectionString ?? _parts.DescribeConnection(host: null, username: _pool.KnownUsername);

    /// <summary>
    /// The underlying Npgsql data source (its pool), for libraries that want an <see cref="NpgsqlDataSource"/>. Opens made
    /// directly through it get the credential cache but not the retry after a rejected login. When the host is not known
    /// yet this looks it up, waiting at most the connect timeout.
    /// </summary>
    public NpgsqlDataSource NpgsqlDataSource => GetNpgsqlDataSource();

    internal DatabaseCredentialCache Credentials => _parts.Credentials;

    /// <summary>The hosts once known (looked up on the first open when not configured).</summary>
    internal EndpointHosts? Hosts => _pool.Hosts;

    internal LakebaseDataSourceParts Parts => _parts;

    internal bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>What this data source was built from: endpoint, identity (no secret), connection settings.</summary>
    public LakebaseDataSourceDefinition Definition => _parts.Definition;

    /// <summary>How long since a connection was last created or opened through this data source (to within a second).</summary>
    public TimeSpan TimeSinceLastUse => _parts.TimeProvider.GetElapsedTime(Volatile.Read(ref _lastUsed));

    /// <summary>
    /// Closes the pooled physical connections now (connections in use are closed when returned), so that the server's
    /// sessions end even with a <c>MinPoolSize</c> above zero and the compute can suspend. The data source stays usable
    /// and keeps its credential: the next open connects again. Does nothing before the first connection, and makes no
    /// network call.
    /// </summary>
    public void ClearPool()
    {
        if (!IsDisposed)
        {
            _pool.Clear();
        }
    }

    /// <summary>Why the last login was refused even with a fresh credential; cleared by the next successful open.</summary>
    internal string? LastLoginFailure { get; private set; }

    internal void RecordLogin(string? failure)
    {
        if (failure is not null || LastLoginFailure is not null)
        {
            LastLoginFailure = failure;
        }
    }

    /// <summary>The state of the database credential (expiry, last refresh, source, last error). Contains no secret.</summary>
    /// <returns>A snapshot.</returns>
    public LakebaseCredentialStatus GetCredentialStatus() => _parts.Credentials.GetStatus(Username, _parts.Source);

    /// <summary>
    /// A view of this data source whose connections go to the hosts <paramref name="targetSessionAttributes"/> selects,
    /// as Npgsql's <c>NpgsqlMultiHostDataSource.WithTargetSession</c>: <see cref="TargetSessionAttributes.PreferStandby"/>
    /// for reads that may lag (a read-only host, else the primary), <see cref="TargetSessionAttributes.ReadOnly"/> or
    /// <see cref="TargetSessionAttributes.Standby"/> for reads that must not touch the primary (they fail when no read-only
    /// host answers), <see cref="TargetSessionAttributes.Primary"/> for the primary. The view shares this data source's
    /// pool, credential and retry after a rejected login, and is owned by it: do not dispose it.
    /// </summary>
    /// <param name="targetSessionAttributes">Which hosts the view's connections may use.</param>
    /// <returns>A data source for Dapper, ADO.NET or EF Core (<c>UseNpgsql(view)</c> or <c>UseLakebase(l =&gt; l.TargetSession(...))</c>).</returns>
    /// <exception cref="LakebaseConfigurationException">Only read-only hosts are asked for, and no read routing is configured.</exception>
    public DbDataSource WithTargetSession(TargetSessionAttributes targetSessionAttributes)
    {
        if (!Enum.IsDefined(targetSessionAttributes))
        {
            throw new ArgumentOutOfRangeException(nameof(targetSessionAttributes));
        }

        if (targetSessionAttributes is TargetSessionAttributes.ReadOnly or TargetSessionAttributes.Standby && !Definition.HasReadOnlyHosts)
        {
            throw new LakebaseConfigurationException(
                $"WithTargetSession({targetSessionAttributes}) asks for read-only hosts, but {Endpoint} has no read routing configured, so every connection would fail. " +
                "Turn on ReadableSecondaries (the endpoint's read_only_host) or add ReadOnlyEndpoints / ReadOnlyHosts where the data source is configured, or use PreferStandby, which falls back to the primary.");
        }

        // One view per attribute, so that EF Core (which keys its internal services on the data source) sees one instance.
        ref var view = ref _targetSessions[(int)targetSessionAttributes];
        return Volatile.Read(ref view) ?? Interlocked.CompareExchange(ref view, new TargetSessionDataSource(this, targetSessionAttributes), null) ?? view!;
    }

    /// <summary>
    /// Makes the first request as fast as a warm one: obtains the database credential, then opens <c>MinPoolSize</c>
    /// connections at once (at least one, which also wakes a suspended compute and proves the login) and returns them to
    /// the pool. <c>AddLakebaseDataSource</c> calls it when the host starts if <c>WarmUp</c> is set. Nobody waits on a
    /// warm-up, so its credential fetch makes one request: a refusal for rate limiting (429) is not retried in line but
    /// remembered, and a warm-up inside the backoff (Retry-After plus up to minutes while the data source never held a
    /// credential) fails at once without asking the workspace. An open made meanwhile still asks after a short backoff.
    /// </summary>
    /// <exception cref="LakebaseCredentialException">The credential could not be obtained (for example, rate-limited).</exception>
    /// <param name="cancellationToken">Abandons the warm-up; connections already opened stay pooled.</param>
    /// <returns>A task that completes when the connections are open.</returns>
    public async Task WarmUpAsync(CancellationToken cancellationToken = default)
    {
        // Nobody waits on a warm-up: one credential request, a refusal remembered for its backoff (not retried in line).
        await _parts.Credentials.PrefetchAsync(cancellationToken).ConfigureAwait(false);
        var count = Math.Max(1, _parts.Settings.MinPoolSize ?? 0);

        // Each connection goes back to the pool whatever happens to the others (a failed or cancelled open among them).
        await Task.WhenAll(Enumerable.Range(0, count).Select(async _ =>
        {
            await using var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        })).ConfigureAwait(false);
    }

    /// <summary>
    /// The database credential connections log in with, for another client (<c>psql</c>, <c>pg_dump</c>, another driver):
    /// the cached one, with no request, while it is usable; else fetched as an open fetches it, within the connect timeout.
    /// </summary>
    /// <param name="cancellationToken">Abandons the wait (not a fetch other callers share).</param>
    /// <returns>The user, the token and its expiry.</returns>
    /// <exception cref="LakebaseCredentialException">No credential could be obtained.</exception>
    public async ValueTask<LakebaseDatabaseCredential> GetDatabaseCredentialAsync(CancellationToken cancellationToken = default)
    {
        var username = await Use().UsernameAsync(cancellationToken).ConfigureAwait(false);
        var credential = await _parts.Credentials.GetCredentialAsync(cancellationToken).ConfigureAwait(false);
        return new LakebaseDatabaseCredential(username, credential.Token, credential.ExpiresAt);
    }

    /// <summary>Creates an unopened connection. Open it with <see cref="OpenAsync(NpgsqlConnection, CancellationToken)"/> to get the retry after a rejected login.</summary>
    /// <returns>A new connection.</returns>
    public new NpgsqlConnection CreateConnection() => GetNpgsqlDataSource().CreateConnection();

    /// <summary>Opens a new connection, retrying once with a fresh credential if the login is rejected.</summary>
    /// <returns>An open connection.</returns>
    public new NpgsqlConnection OpenConnection()
    {
        var connection = CreateConnection();
        try
        {
            Open(connection);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Opens a new connection, retrying once with a fresh credential if the login is rejected.</summary>
    /// <param name="cancellationToken">Cancels the open, including any wait for a credential or the host lookup.</param>
    /// <returns>An open connection.</returns>
    public new async ValueTask<NpgsqlConnection> OpenConnectionAsync(CancellationToken cancellationToken = default)
    {
        var dataSource = await GetNpgsqlDataSourceAsync(cancellationToken).ConfigureAwait(false);
        var connection = dataSource.CreateConnection();
        try
        {
            await OpenAsync(connection, cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Opens a connection created by this data source, retrying once with a fresh credential if the login is rejected.</summary>
    /// <param name="connection">A closed connection from <see cref="CreateConnection"/>.</param>
    public void Open(NpgsqlConnection connection)
    {
        NoteUse();
        AuthenticationRetry.OpenAsync(this, connection, async: false, CancellationToken.None).GetAwaiter().GetResult();
    }

    /// <summary>Opens a connection created by this data source, retrying once with a fresh credential if the login is rejected.</summary>
    /// <param name="connection">A closed connection from <see cref="CreateConnection"/>.</param>
    /// <param name="cancellationToken">Cancels the open.</param>
    /// <returns>A task that completes when the connection is open.</returns>
    public Task OpenAsync(NpgsqlConnection connection, CancellationToken cancellationToken = default)
    {
        NoteUse();
        return AuthenticationRetry.OpenAsync(this, connection, async: true, cancellationToken);
    }

    /// <summary>Describes the data source without secrets.</summary>
    /// <returns>Endpoint, user and server.</returns>
    public override string ToString() => _parts.Description(_pool.Hosts?.ToString(), _pool.KnownUsername);

    /// <inheritdoc />
    protected override DbConnection CreateDbConnection() => CreateConnection();

    /// <inheritdoc />
    protected override DbConnection OpenDbConnection() => OpenConnection();

    /// <inheritdoc />
    protected override async ValueTask<DbConnection> OpenDbConnectionAsync(CancellationToken cancellationToken = default) =>
        await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            DisposeAsyncCore().AsTask().GetAwaiter().GetResult();
        }

        base.Dispose(disposing);
    }

    /// <inheritdoc />
    protected override async ValueTask DisposeAsyncCore()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _pool.DisposeAsync().ConfigureAwait(false);
        await _parts.DisposeAsync().ConfigureAwait(false);
    }

    internal NpgsqlDataSource GetNpgsqlDataSource() => Use().Get();

    internal ValueTask<NpgsqlDataSource> GetNpgsqlDataSourceAsync(CancellationToken cancellationToken) => Use().GetAsync(cancellationToken);

    /// <summary>The pool <c>WithTargetSession</c> views draw from (multi-host with read routing, else the primary's).</summary>
    internal NpgsqlDataSource GetRoutingDataSource() => Use().GetRouting();

    internal ValueTask<NpgsqlDataSource> GetRoutingDataSourceAsync(CancellationToken cancellationToken) => Use().GetRoutingAsync(cancellationToken);

    // Every way to a pool: refused once disposed, and counted as a use (idle eviction and refresh pausing read it).
    private LazyNpgsqlPool Use()
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        NoteUse();
        return _pool;
    }

    private void NoteUse()
    {
        // At most one write a second: concurrent opens would otherwise contend for this cache line on every open.
        var now = _parts.TimeProvider.GetTimestamp();
        if (now - Volatile.Read(ref _lastUsed) >= _parts.TimeProvider.TimestampFrequency)
        {
            Volatile.Write(ref _lastUsed, now);
        }
    }
}
