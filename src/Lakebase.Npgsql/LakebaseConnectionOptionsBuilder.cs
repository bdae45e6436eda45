using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Lakebase.Npgsql;

/// <summary>
/// The connection settings and tuning of a Lakebase data source, shared by <see cref="LakebaseDataSourceBuilder"/> and
/// Entity Framework Core's <c>LakebaseDbContextOptionsBuilder</c>. Values left unset fall back to the environment
/// (<c>PGHOST</c>, <c>PGPORT</c>, <c>PGDATABASE</c>, <c>PGUSER</c>, <c>PGSSLMODE</c>, <c>PGSSLROOTCERT</c>,
/// <c>PGAPPNAME</c>, as Databricks Apps inject them), then to <see cref="LakebaseConnectionDefaults"/>.
/// </summary>
/// <typeparam name="TBuilder">The concrete builder, returned by every method so that calls chain.</typeparam>
public abstract class LakebaseConnectionOptionsBuilder<TBuilder>
    where TBuilder : LakebaseConnectionOptionsBuilder<TBuilder>
{
    /// <summary>Starts a builder that writes into <paramref name="options"/>.</summary>
    /// <param name="options">The options this builder sets; a builder never reads them back from anywhere else.</param>
    protected LakebaseConnectionOptionsBuilder(LakebaseConnectionOptions options) =>
        ConnectionOptions = options ?? throw new ArgumentNullException(nameof(options));

    /// <summary>The options this builder has set so far.</summary>
    public LakebaseConnectionOptions ConnectionOptions { get; }

    /// <summary>
    /// The endpoint's host name (<c>PGHOST</c>, unless the environment's <c>LAKEBASE_ENDPOINT</c> or <c>ENDPOINT_NAME</c> names another endpoint);
    /// when unset anywhere it is read from the workspace API on the first open.
    /// </summary>
    /// <param name="host">The host name, e.g. <c>ep-cool-river-123.database.us-east-1.cloud.databricks.com</c>.</param>
    /// <returns>This builder.</returns>
    public TBuilder Host(string host) => Set(s => s.Host = Required(host, nameof(host)));

    /// <summary>The port (<c>PGPORT</c>, default 5432).</summary>
    /// <param name="port">1 to 65535.</param>
    /// <returns>This builder.</returns>
    public TBuilder Port(int port)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        return Set(s => s.Port = port);
    }

    /// <summary>The database (<c>PGDATABASE</c>, unless the environment's <c>LAKEBASE_ENDPOINT</c> or <c>ENDPOINT_NAME</c> names another endpoint; default <c>databricks_postgres</c>).</summary>
    /// <param name="database">The database name.</param>
    /// <returns>This builder.</returns>
    public TBuilder Database(string database) => Set(s => s.Database = Required(database, nameof(database)));

    /// <summary>
    /// The PostgreSQL role to log in as (<c>PGUSER</c>). Defaults to the service principal's client id, or, for a user
    /// identity (personal access token, Databricks CLI), the user name the workspace reports for the token.
    /// </summary>
    /// <param name="username">The role name.</param>
    /// <returns>This builder.</returns>
    public TBuilder Username(string username) => Set(s => s.Username = Required(username, nameof(username)));

    /// <summary>
    /// The SSL mode (<c>PGSSLMODE</c>, default <c>VerifyFull</c>: the server's certificate chain and host name are
    /// verified). <c>Require</c> turns verification off and is logged as a warning; <c>Disable</c>, <c>Allow</c> and
    /// <c>Prefer</c> are refused, because Lakebase receives the database token as a password inside this TLS session.
    /// </summary>
    /// <param name="sslMode">The mode.</param>
    /// <returns>This builder.</returns>
    public TBuilder SslMode(SslMode sslMode) => Set(s =>
    {
        s.SslMode = sslMode.ToString();
        s.TlsVerificationDisabledInCode = sslMode == global::Npgsql.SslMode.Require;
        s.SslModeSetInCode = true;
    });

    /// <summary>
    /// A PEM file with the root certificate(s) the server's chain must lead to (<c>PGSSLROOTCERT</c>), instead of the
    /// system's trusted roots; for example the local emulator's CA.
    /// </summary>
    /// <param name="path">The PEM file's path.</param>
    /// <returns>This builder.</returns>
    public TBuilder RootCertificate(string path) => Set(s => s.RootCertificate = Required(path, nameof(path)));

    /// <summary>The application name shown in <c>pg_stat_activity</c> (<c>PGAPPNAME</c>).</summary>
    /// <param name="applicationName">The name.</param>
    /// <returns>This builder.</returns>
    public TBuilder ApplicationName(string applicationName) => Set(s => s.ApplicationName = Required(applicationName, nameof(applicationName)));

    /// <summary>How long a physical connection lives before it is recycled (default 45 minutes).</summary>
    /// <param name="lifetime">A positive duration.</param>
    /// <returns>This builder.</returns>
    public TBuilder ConnectionLifetime(TimeSpan lifetime) => Set(s => s.ConnectionLifetime = Positive(lifetime, nameof(lifetime)));

    /// <summary>How long an idle pooled connection is kept (default 60 seconds).</summary>
    /// <param name="lifetime">A positive duration.</param>
    /// <returns>This builder.</returns>
    public TBuilder ConnectionIdleLifetime(TimeSpan lifetime) => Set(s => s.ConnectionIdleLifetime = Positive(lifetime, nameof(lifetime)));

    /// <summary>TCP keepalive interval for idle connections (default 30 seconds).</summary>
    /// <param name="interval">A positive duration.</param>
    /// <returns>This builder.</returns>
    public TBuilder TcpKeepAlive(TimeSpan interval) => Set(s => s.TcpKeepAlive = Positive(interval, nameof(interval)));

    /// <summary>How long a connection open may take, cold start and credential request included (default 30 seconds).</summary>
    /// <param name="timeout">A positive duration.</param>
    /// <returns>This builder.</returns>
    public TBuilder ConnectTimeout(TimeSpan timeout) => Set(s => s.ConnectTimeout = Positive(timeout, nameof(timeout)));

    /// <summary>How long a command may run before it is cancelled (Npgsql's default is 30 seconds).</summary>
    /// <param name="timeout">A positive duration.</param>
    /// <returns>This builder.</returns>
    public TBuilder CommandTimeout(TimeSpan timeout) => Set(s => s.CommandTimeout = Positive(timeout, nameof(timeout)));

    /// <summary>The largest number of pooled physical connections (Npgsql's default is 100).</summary>
    /// <param name="size">At least 1.</param>
    /// <returns>This builder.</returns>
    public TBuilder MaxPoolSize(int size)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        return Set(s => s.MaxPoolSize = size);
    }

    /// <summary>The number of physical connections kept open even when idle (default 0, so the compute can suspend).</summary>
    /// <param name="size">Zero or more.</param>
    /// <returns>This builder.</returns>
    public TBuilder MinPoolSize(int size)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        return Set(s => s.MinPoolSize = size);
    }

    /// <summary>How long before its expiry a credential is refreshed in the background (default 5 minutes).</summary>
    /// <param name="lead">A positive duration.</param>
    /// <returns>This builder.</returns>
    public TBuilder RefreshBeforeExpiry(TimeSpan lead) => Set(s => s.RefreshBeforeExpiry = Positive(lead, nameof(lead)));

    /// <summary>
    /// How the credential is kept fresh (default <see cref="LakebaseRefreshMode.Background"/>, a timer).
    /// <see cref="LakebaseRefreshMode.Lazy"/> uses no timer, for CPU-throttled hosts: opens past the refresh point start it.
    /// </summary>
    /// <param name="mode">The mode.</param>
    /// <returns>This builder.</returns>
    public TBuilder RefreshMode(LakebaseRefreshMode mode) => Set(s => s.RefreshMode = Enum.IsDefined(mode) ? mode : throw new ArgumentOutOfRangeException(nameof(mode)));

    /// <summary>
    /// Warms the data source up when the host starts (<c>AddLakebaseDataSource</c> only): the credential, then
    /// <c>MinPoolSize</c> connections (at least one). Start-up waits at most <paramref name="timeout"/> (default 10 s).
    /// </summary>
    /// <param name="enabled">False to turn it off again.</param>
    /// <param name="timeout">The longest start-up waits for it.</param>
    /// <returns>This builder.</returns>
    public TBuilder WarmUp(bool enabled = true, TimeSpan? timeout = null) => Set(s =>
    {
        s.WarmUp = enabled;
        s.WarmUpTimeout = timeout is { } limit ? Positive(limit, nameof(timeout)) : s.WarmUpTimeout;
    });

    /// <summary>
    /// Routes reads to the endpoint's readable secondaries too (its <c>read_only_host</c>, looked up on the first open),
    /// for views from <see cref="LakebaseDataSource.WithTargetSession"/>. Off by default.
    /// </summary>
    /// <param name="enabled">False to turn it off again.</param>
    /// <returns>This builder.</returns>
    public TBuilder ReadableSecondaries(bool enabled = true) => Set(s => s.ReadableSecondaries = enabled);

    /// <summary>Adds a read-only endpoint (a read replica of the same branch) whose host serves reads; looked up on the first open.</summary>
    /// <param name="endpoint">The replica's endpoint name, <c>projects/{project}/branches/{branch}/endpoints/{endpoint}</c>.</param>
    /// <returns>This builder.</returns>
    public TBuilder ReadOnlyEndpoint(string endpoint) => Set(s => s.ReadOnlyEndpoints = [.. s.ReadOnlyEndpoints ?? [], Required(endpoint, nameof(endpoint))]);

    /// <summary>Adds a read-only host given explicitly (as <see cref="Host"/> is for the primary).</summary>
    /// <param name="host">The host name.</param>
    /// <returns>This builder.</returns>
    public TBuilder ReadOnlyHost(string host) => Set(s => s.ReadOnlyHosts = [.. s.ReadOnlyHosts ?? [], Required(host, nameof(host))]);

    /// <summary>Whether unset connection values are read from the <c>PG*</c> environment variables (default true).</summary>
    /// <param name="read">False to ignore them.</param>
    /// <returns>This builder.</returns>
    public TBuilder ReadEnvironment(bool read = true) => Set(s => s.ReadEnvironment = read);

    /// <summary>The clock used for credential expiry and refresh (default: the application's <see cref="TimeProvider"/>, else the system clock).</summary>
    /// <param name="timeProvider">The clock.</param>
    /// <returns>This builder.</returns>
    public TBuilder UseTimeProvider(TimeProvider timeProvider) => Set(s => s.TimeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider)));

    /// <summary>The logger factory for credential and connection logs, also handed to Npgsql (default: the application's).</summary>
    /// <param name="loggerFactory">The logger factory.</param>
    /// <returns>This builder.</returns>
    public TBuilder UseLoggerFactory(ILoggerFactory loggerFactory) => Set(s => s.LoggerFactory = loggerFactory ?? throw new ArgumentNullException(nameof(loggerFactory)));

    /// <summary>
    /// The <see cref="System.Net.Http.HttpClient"/> for workspace API calls. Default: the application's
    /// <c>IHttpClientFactory</c> client named <see cref="LakebaseConnectionDefaults.HttpClientName"/> when registered, else a private one.
    /// </summary>
    /// <param name="httpClient">The client; its lifetime stays yours.</param>
    /// <returns>This builder.</returns>
    public TBuilder UseHttpClient(HttpClient httpClient) => Set(s => s.HttpClient = httpClient ?? throw new ArgumentNullException(nameof(httpClient)));

    /// <summary>Where workspace API clients come from (default: the application's <see cref="IHttpClientFactory"/>, client <see cref="LakebaseConnectionDefaults.HttpClientName"/>).</summary>
    /// <param name="httpClientFactory">The factory.</param>
    /// <returns>This builder.</returns>
    public TBuilder UseHttpClientFactory(IHttpClientFactory httpClientFactory) => Set(s => s.HttpClientFactory = httpClientFactory ?? throw new ArgumentNullException(nameof(httpClientFactory)));

    /// <summary>
    /// Reads unset values from this configuration's keys (<c>PGHOST</c>, <c>DATABRICKS_HOST</c>, ...) before the process
    /// environment, as an application host does: tests and launch profiles can then set the same names there.
    /// </summary>
    /// <param name="configuration">The application's configuration.</param>
    /// <returns>This builder.</returns>
    public TBuilder UseConfiguration(IConfiguration configuration) => Set(s => s.Configuration = configuration ?? throw new ArgumentNullException(nameof(configuration)));

    /// <summary>
    /// Further configuration of the Npgsql data source (type mappings such as <c>MapEnum</c>, plugins). Without a
    /// container, data sources are shared by configuration and callbacks are compared as delegates: a lambda that captures
    /// per-call values builds a new data source (and pool) each time, so capture only what is fixed.
    /// </summary>
    /// <param name="configure">Called once, when the data source is built.</param>
    /// <returns>This builder.</returns>
    public TBuilder ConfigureDataSource(Action<NpgsqlDataSourceBuilder> configure) => Set(s => s.ConfigureDataSource += configure ?? throw new ArgumentNullException(nameof(configure)));

    /// <summary>Called before a connection setting changes; a builder that cannot take one throws here.</summary>
    /// <param name="setting">The method's name, for the error message.</param>
    protected virtual void OnConnectionSettingChanging(string setting)
    {
    }

    private TBuilder Set(Action<LakebaseConnectionOptions> change, [System.Runtime.CompilerServices.CallerMemberName] string setting = "")
    {
        OnConnectionSettingChanging(setting);
        change(ConnectionOptions);
        return (TBuilder)this;
    }

    private static string Required(string value, string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value, name);
        return value.Trim();
    }

    private static TimeSpan Positive(TimeSpan value, string name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero, name);
        return value;
    }
}
