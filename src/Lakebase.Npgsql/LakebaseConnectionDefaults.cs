using Npgsql;

namespace Lakebase.Npgsql;

/// <summary>
/// The connection settings <c>UseLakebase</c> applies unless told otherwise, each chosen for how Lakebase behaves.
/// Every one can be overridden on the builders and in <see cref="LakebaseOptions"/>.
/// </summary>
public static class LakebaseConnectionDefaults
{
    /// <summary>Lakebase's PostgreSQL port.</summary>
    public const int Port = 5432;

    /// <summary>The database every Lakebase branch has.</summary>
    public const string Database = "databricks_postgres";

    /// <summary>
    /// VerifyFull: the server's certificate chain and host name are checked against the system's trusted roots (or
    /// <c>RootCertificate</c>). Lakebase receives the database token as a cleartext password inside TLS, and Npgsql's
    /// Require accepts any certificate, so anything less would hand a 60-minute token to whoever answers TLS.
    /// </summary>
    public const SslMode SslMode = global::Npgsql.SslMode.VerifyFull;

    /// <summary>The application name shown in <c>pg_stat_activity</c> unless <c>PGAPPNAME</c> or the builder says otherwise.</summary>
    public const string ApplicationName = "Lakebase";

    /// <summary>
    /// The <c>IHttpClientFactory</c> client name used for workspace API calls; configure it to add handlers (after
    /// <c>AddLakebaseDataSource</c>: handlers from <c>ConfigureHttpClientDefaults</c>, such as a standard resilience
    /// handler, are taken off it, since the library retries the workspace API itself).
    /// </summary>
    public const string HttpClientName = "Lakebase";

    /// <summary>
    /// 45 minutes: physical connections are recycled well within the 60-minute token lifetime (the Databricks guide's
    /// figure), so no connection outlives the credential era it was opened in by much, and long before Lakebase's
    /// own limits (24 h idle, 3 days in all).
    /// </summary>
    public static readonly TimeSpan ConnectionLifetime = TimeSpan.FromMinutes(45);

    /// <summary>
    /// 60 seconds: idle pooled connections close before a compute's scale-to-zero timer (5 minutes by default,
    /// 60 seconds at the least) can suspend it underneath them, and so that an idle application lets its compute
    /// suspend instead of holding it awake.
    /// </summary>
    public static readonly TimeSpan ConnectionIdleLifetime = TimeSpan.FromSeconds(60);

    /// <summary>
    /// 30 seconds: TCP keepalive probes detect a peer that vanished (a suspended compute, a dropped NAT mapping)
    /// without sending SQL, which would count as activity and keep the compute from scaling to zero.
    /// </summary>
    public static readonly TimeSpan TcpKeepAlive = TimeSpan.FromSeconds(30);

    /// <summary>
    /// 30 seconds: long enough for a cold start (a suspended compute wakes in a few hundred milliseconds, the first
    /// connect can take several seconds) plus one credential request when none is cached.
    /// </summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// 5 minutes: a credential is refreshed in the background this long before it expires (at most a quarter of its
    /// lifetime for short-lived tokens), so no connection open waits on HTTP in steady state.
    /// </summary>
    public static readonly TimeSpan RefreshBeforeExpiry = TimeSpan.FromMinutes(5);
}
