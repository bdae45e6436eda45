using Microsoft.Extensions.Logging;
using Npgsql;

namespace Lakebase.Npgsql.Configuration;

/// <summary>
/// What a Lakebase builder collected about the connection and its tuning; unset values are resolved later (environment,
/// then <see cref="LakebaseConnectionDefaults"/>). A record: equal settings share a data source in the container-less
/// registry.
/// </summary>
internal sealed record LakebaseSettings
{
    public string? Host { get; set; }

    public int? Port { get; set; }

    public string? Database { get; set; }

    public string? Username { get; set; }

    public SslMode? SslMode { get; set; }

    public string? RootCertificate { get; set; }

    public string? ApplicationName { get; set; }

    public TimeSpan? ConnectionLifetime { get; set; }

    public TimeSpan? ConnectionIdleLifetime { get; set; }

    public TimeSpan? TcpKeepAlive { get; set; }

    public TimeSpan? ConnectTimeout { get; set; }

    public int? MaxPoolSize { get; set; }

    public int? MinPoolSize { get; set; }

    public TimeSpan? RefreshBeforeExpiry { get; set; }

    public LakebaseRefreshMode? RefreshMode { get; set; }

    public bool ReadEnvironment { get; set; } = true;

    public TimeProvider? TimeProvider { get; set; }

    public ILoggerFactory? LoggerFactory { get; set; }

    public HttpClient? HttpClient { get; set; }

    public Action<NpgsqlDataSourceBuilder>? ConfigureDataSource { get; set; }

    /// <summary>Whether any connection value or tuning was set (not the collaborators).</summary>
    public bool HasConnectionValues =>
        Host is not null || Port is not null || Database is not null || Username is not null || SslMode is not null
        || RootCertificate is not null || ApplicationName is not null || ConnectionLifetime is not null
        || ConnectionIdleLifetime is not null || TcpKeepAlive is not null || ConnectTimeout is not null
        || MaxPoolSize is not null || MinPoolSize is not null || RefreshBeforeExpiry is not null || RefreshMode is not null || !ReadEnvironment
        || ConfigureDataSource is not null || TimeProvider is not null || LoggerFactory is not null || HttpClient is not null;
}
