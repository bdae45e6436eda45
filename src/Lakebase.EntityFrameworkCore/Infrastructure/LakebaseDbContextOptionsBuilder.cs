using Lakebase.EntityFrameworkCore.Connection;
using Lakebase.EntityFrameworkCore.Infrastructure.Internal;
using Microsoft.Extensions.Logging;
using Npgsql;
using Npgsql.EntityFrameworkCore.PostgreSQL.Infrastructure;

namespace Lakebase.EntityFrameworkCore.Infrastructure;

/// <summary>
/// Lakebase-specific configuration for <c>UseLakebase</c>. Connection values left unset fall back to the
/// environment (<c>PGHOST</c>, <c>PGPORT</c>, <c>PGDATABASE</c>, <c>PGUSER</c>, <c>PGSSLMODE</c>, <c>PGAPPNAME</c>, as
/// Databricks Apps inject them), then to <see cref="LakebaseConnectionDefaults"/>. When no host is given anywhere it
/// is looked up once from the workspace API.
/// </summary>
public class LakebaseDbContextOptionsBuilder
{
    internal LakebaseDbContextOptionsBuilder(LakebaseSettings settings) => Settings = settings;

    internal LakebaseSettings Settings { get; }

    /// <summary>The endpoint's host name (<c>PGHOST</c>); when unset anywhere it is read from the workspace API.</summary>
    public virtual LakebaseDbContextOptionsBuilder Host(string host) => Set(s => s.Host = Required(host, nameof(host)));

    /// <summary>The port (<c>PGPORT</c>, default 5432).</summary>
    public virtual LakebaseDbContextOptionsBuilder Port(int port)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        return Set(s => s.Port = port);
    }

    /// <summary>The database (<c>PGDATABASE</c>, default <c>databricks_postgres</c>).</summary>
    public virtual LakebaseDbContextOptionsBuilder Database(string database) => Set(s => s.Database = Required(database, nameof(database)));

    /// <summary>
    /// The PostgreSQL role to log in as (<c>PGUSER</c>). Defaults to the service principal's client id; required for a
    /// personal access token or a token provider (your Databricks user e-mail).
    /// </summary>
    public virtual LakebaseDbContextOptionsBuilder Username(string username) => Set(s => s.Username = Required(username, nameof(username)));

    /// <summary>The SSL mode (<c>PGSSLMODE</c>, default <c>Require</c>). Lakebase refuses unencrypted connections.</summary>
    public virtual LakebaseDbContextOptionsBuilder SslMode(SslMode sslMode) => Set(s => s.SslMode = sslMode);

    /// <summary>The application name shown in <c>pg_stat_activity</c> (<c>PGAPPNAME</c>).</summary>
    public virtual LakebaseDbContextOptionsBuilder ApplicationName(string applicationName) => Set(s => s.ApplicationName = Required(applicationName, nameof(applicationName)));

    /// <summary>How long a physical connection lives before it is recycled (default 45 minutes).</summary>
    public virtual LakebaseDbContextOptionsBuilder ConnectionLifetime(TimeSpan lifetime) => Set(s => s.ConnectionLifetime = Positive(lifetime, nameof(lifetime)));

    /// <summary>How long an idle pooled connection is kept (default 60 seconds).</summary>
    public virtual LakebaseDbContextOptionsBuilder ConnectionIdleLifetime(TimeSpan lifetime) => Set(s => s.ConnectionIdleLifetime = Positive(lifetime, nameof(lifetime)));

    /// <summary>TCP keepalive interval for idle connections (default 30 seconds).</summary>
    public virtual LakebaseDbContextOptionsBuilder TcpKeepAlive(TimeSpan interval) => Set(s => s.TcpKeepAlive = Positive(interval, nameof(interval)));

    /// <summary>How long a connection open may take, cold start and credential request included (default 30 seconds).</summary>
    public virtual LakebaseDbContextOptionsBuilder ConnectTimeout(TimeSpan timeout) => Set(s => s.ConnectTimeout = Positive(timeout, nameof(timeout)));

    /// <summary>The largest number of pooled physical connections (Npgsql's default is 100).</summary>
    public virtual LakebaseDbContextOptionsBuilder MaxPoolSize(int size)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        return Set(s => s.MaxPoolSize = size);
    }

    /// <summary>The number of physical connections kept open even when idle (default 0, so the compute can suspend).</summary>
    public virtual LakebaseDbContextOptionsBuilder MinPoolSize(int size)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        return Set(s => s.MinPoolSize = size);
    }

    /// <summary>How long before its expiry a credential is refreshed in the background (default 5 minutes).</summary>
    public virtual LakebaseDbContextOptionsBuilder RefreshBeforeExpiry(TimeSpan lead) => Set(s => s.RefreshBeforeExpiry = Positive(lead, nameof(lead)));

    /// <summary>Whether unset connection values are read from <c>PG*</c> environment variables (default true).</summary>
    public virtual LakebaseDbContextOptionsBuilder ReadEnvironment(bool read = true) => Set(s => s.ReadEnvironment = read);

    /// <summary>
    /// Retries operations that fail on a transient error, such as a connection dropped by a compute that suspended or
    /// restarted (on by default). Explicit transactions must then run inside
    /// <c>Database.CreateExecutionStrategy().ExecuteAsync(...)</c>, as with any retrying EF Core strategy.
    /// </summary>
    public virtual LakebaseDbContextOptionsBuilder EnableRetryOnFailure(int maxRetryCount = LakebaseConnectionDefaults.MaxRetryCount, TimeSpan? maxRetryDelay = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxRetryCount);
        return Set(s =>
        {
            s.RetryOnFailure = true;
            s.MaxRetryCount = maxRetryCount;
            s.MaxRetryDelay = maxRetryDelay;
        });
    }

    /// <summary>Turns off the retrying execution strategy <c>UseLakebase</c> installs by default.</summary>
    public virtual LakebaseDbContextOptionsBuilder DisableRetryOnFailure() => Set(s => s.RetryOnFailure = false);

    /// <summary>The clock used for credential expiry and refresh (default: the application's <see cref="TimeProvider"/>, else the system clock).</summary>
    public virtual LakebaseDbContextOptionsBuilder UseTimeProvider(TimeProvider timeProvider) => Set(s => s.TimeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider)));

    /// <summary>
    /// The logger factory for credential and connection logs, also handed to Npgsql. Default: the one EF Core was
    /// given (<c>UseLoggerFactory</c> before <c>UseLakebase</c>, or the application's through <c>AddDbContext</c>).
    /// </summary>
    public virtual LakebaseDbContextOptionsBuilder UseLoggerFactory(ILoggerFactory loggerFactory) => Set(s => s.LoggerFactory = loggerFactory ?? throw new ArgumentNullException(nameof(loggerFactory)));

    /// <summary>
    /// The <see cref="System.Net.Http.HttpClient"/> used for workspace API calls. Default: one from the application's
    /// <c>IHttpClientFactory</c> (client name <c>Lakebase</c>) when registered, else a private one.
    /// </summary>
    public virtual LakebaseDbContextOptionsBuilder UseHttpClient(HttpClient httpClient) => Set(s => s.HttpClient = httpClient ?? throw new ArgumentNullException(nameof(httpClient)));

    /// <summary>
    /// Further configuration of the Npgsql data source (type mappings such as <c>MapEnum</c>, plugins). The data source
    /// is built once per distinct configuration, and callbacks are compared as delegates: a lambda that captures
    /// per-call values builds a new data source (and pool) each time, so capture only what is fixed.
    /// </summary>
    public virtual LakebaseDbContextOptionsBuilder ConfigureDataSource(Action<NpgsqlDataSourceBuilder> configure) => Set(s => s.ConfigureDataSource += configure ?? throw new ArgumentNullException(nameof(configure)));

    /// <summary>Npgsql EF Core provider options (migrations assembly, command timeout, PostgreSQL version, ...).</summary>
    public virtual LakebaseDbContextOptionsBuilder Npgsql(Action<NpgsqlDbContextOptionsBuilder> configure) => Set(s => s.NpgsqlOptions += configure ?? throw new ArgumentNullException(nameof(configure)));

    private LakebaseDbContextOptionsBuilder Set(Action<LakebaseSettings> change)
    {
        change(Settings);
        return this;
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
