using Lakebase.Npgsql.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Lakebase.Npgsql;

/// <summary>
/// The connection settings, tuning and services of one Lakebase data source: the one place each of them is declared.
/// Bound from the same flat configuration section as the rest of <see cref="LakebaseOptions"/>
/// (<c>"Lakebase:MaxPoolSize"</c>), set through <see cref="LakebaseConnectionOptionsBuilder{TBuilder}"/> in code, or
/// both. Values left unset fall back to the <c>PG*</c> environment variables (as Databricks Apps inject them, unless
/// <see cref="ReadEnvironment"/> is false), then to <see cref="LakebaseConnectionDefaults"/>.
/// </summary>
/// <remarks>
/// A record: two equal option sets (services compared by instance) describe the same data source, which is how
/// <c>UseLakebase(endpoint, oauth)</c> shares one pool between the contexts that ask for it.
/// </remarks>
public sealed record LakebaseConnectionOptions
{
    /// <summary>
    /// The endpoint's host name (<c>PGHOST</c>, unless the environment's <c>LAKEBASE_ENDPOINT</c> or <c>ENDPOINT_NAME</c> names another endpoint);
    /// looked up from the workspace API on the first open when unset.
    /// </summary>
    public string? Host { get; set; }

    /// <summary>The port (<c>PGPORT</c>, default 5432).</summary>
    public int? Port { get; set; }

    /// <summary>The database (<c>PGDATABASE</c>, unless the environment's <c>LAKEBASE_ENDPOINT</c> or <c>ENDPOINT_NAME</c> names another endpoint; default <c>databricks_postgres</c>).</summary>
    public string? Database { get; set; }

    /// <summary>The PostgreSQL role (<c>PGUSER</c>); by default a service principal's client id, or the user the workspace reports for the token (SCIM Me).</summary>
    public string? Username { get; set; }

    /// <summary>
    /// The SSL mode in libpq's or Npgsql's spelling (<c>PGSSLMODE</c>): <c>verify-full</c> (the default) or
    /// <c>verify-ca</c> with a <see cref="RootCertificate"/>; <c>require</c> is read as <c>verify-full</c>, as
    /// Databricks' own drivers read it. Only <c>SslMode(SslMode.Require)</c> on a builder, in code, turns verification off.
    /// </summary>
    public string? SslMode { get; set; }

    /// <summary>A PEM file with the root certificate(s) to trust instead of the system's (<c>PGSSLROOTCERT</c>).</summary>
    public string? RootCertificate { get; set; }

    /// <summary>Shown in <c>pg_stat_activity</c> (<c>PGAPPNAME</c>).</summary>
    public string? ApplicationName { get; set; }

    /// <summary>How long a physical connection lives (default 45 minutes).</summary>
    public TimeSpan? ConnectionLifetime { get; set; }

    /// <summary>How long an idle pooled connection is kept (default 60 seconds).</summary>
    public TimeSpan? ConnectionIdleLifetime { get; set; }

    /// <summary>TCP keepalive interval (default 30 seconds).</summary>
    public TimeSpan? TcpKeepAlive { get; set; }

    /// <summary>How long an open may take, cold start and credential request included (default 30 seconds).</summary>
    public TimeSpan? ConnectTimeout { get; set; }

    /// <summary>How long a command may run before it is cancelled (default Npgsql's 30 seconds; EF Core's own <c>CommandTimeout</c> wins for EF commands).</summary>
    public TimeSpan? CommandTimeout { get; set; }

    /// <summary>The largest number of pooled physical connections (default 100).</summary>
    public int? MaxPoolSize { get; set; }

    /// <summary>Physical connections kept open when idle (default 0, so the compute can suspend).</summary>
    public int? MinPoolSize { get; set; }

    /// <summary>How long before its expiry a credential is refreshed at the latest (default 5 minutes).</summary>
    public TimeSpan? RefreshBeforeExpiry { get; set; }

    /// <summary>How the credential is kept fresh: <c>Background</c> (the default, a timer) or <c>Lazy</c> (no timer, for CPU-throttled hosts).</summary>
    public LakebaseRefreshMode? RefreshMode { get; set; }

    /// <summary>
    /// Warm the data source up when the host starts (<c>AddLakebaseDataSource</c> only): obtain the database credential
    /// and open <see cref="MinPoolSize"/> connections (at least one, which also wakes a suspended compute), so the first
    /// request is as fast as the hundredth. Off by default. Start-up waits for it at most <see cref="WarmUpTimeout"/>.
    /// </summary>
    public bool? WarmUp { get; set; }

    /// <summary>How long host start-up waits for the warm-up at most (default 10 seconds); past it the host starts anyway and the warm-up is abandoned.</summary>
    public TimeSpan? WarmUpTimeout { get; set; }

    /// <summary>
    /// Route reads to the endpoint's readable secondaries too: its <c>status.hosts.read_only_host</c>, looked up on the
    /// first open (never while configuring). Off by default. Reads there are eventually consistent.
    /// </summary>
    public bool? ReadableSecondaries { get; set; }

    // Compared by their elements: options built alike are equal, so a cache keyed on them (UseLakebase's) hits.
    private EquatableArray<string> _readOnlyEndpoints;
    private EquatableArray<string> _readOnlyHosts;

    /// <summary>Read-only endpoints (read replicas) of the same branch whose hosts serve reads, by name; looked up on the first open.</summary>
    public string[]? ReadOnlyEndpoints { get => _readOnlyEndpoints.Array; set => _readOnlyEndpoints = new(value); }

    /// <summary>Read-only hosts given explicitly (as <see cref="Host"/> is for the primary), for reads.</summary>
    public string[]? ReadOnlyHosts { get => _readOnlyHosts.Array; set => _readOnlyHosts = new(value); }

    /// <summary>Whether unset values are read from the environment (<c>PG*</c>; with <see cref="LakebaseOptions"/> also <c>LAKEBASE_ENDPOINT</c> and <c>DATABRICKS_*</c>). Default true.</summary>
    public bool ReadEnvironment { get; set; } = true;

    /// <summary>The clock for credential expiry and refresh (default: the application's <see cref="System.TimeProvider"/>, else the system clock). Not bound from configuration.</summary>
    public TimeProvider? TimeProvider { get; set; }

    /// <summary>The logger factory for credential and connection logs, also handed to Npgsql (default: the application's). Not bound from configuration.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>The client for workspace API calls; its lifetime stays yours, and its handler must not follow redirects (<c>AllowAutoRedirect = false</c>), or a token can follow one to another host. Not bound from configuration.</summary>
    public HttpClient? HttpClient { get; set; }

    /// <summary>Where workspace API clients come from when <see cref="HttpClient"/> is unset: client <see cref="LakebaseConnectionDefaults.HttpClientName"/>, which <c>AddLakebaseDataSource</c> registers without redirects (default: that factory in a container, else a private client). Not bound from configuration.</summary>
    public IHttpClientFactory? HttpClientFactory { get; set; }

    /// <summary>
    /// Further configuration of the Npgsql data source (type mappings, plugins). Compared as a delegate when data sources
    /// are shared: a lambda that captures per-call values describes a new data source each time. Not bound from configuration.
    /// </summary>
    public Action<NpgsqlDataSourceBuilder>? ConfigureDataSource { get; set; }

    /// <summary>
    /// Configuration whose keys (<c>PGHOST</c>, <c>DATABRICKS_HOST</c>, ...) are read before the process environment, as
    /// an application host reads them (default: the application's, where there is a container). Not bound from configuration.
    /// </summary>
    public IConfiguration? Configuration { get; set; }

    /// <summary>Set only by <c>SslMode(SslMode.Require)</c> in code: the one way to turn certificate verification off.</summary>
    internal bool TlsVerificationDisabledInCode { get; set; }

    /// <summary>Whether <see cref="SslMode"/> came from a builder's <c>SslMode(...)</c> (errors then speak of the method, not the key).</summary>
    internal bool SslModeSetInCode { get; set; }

    /// <summary>Where unset values are read from: <see cref="Configuration"/>, then the process environment.</summary>
    internal Func<string, string?> VariableReader => Configuration is { } configuration
        ? name => configuration[name] is { Length: > 0 } value ? value : Environment.GetEnvironmentVariable(name)
        : Environment.GetEnvironmentVariable;
}
