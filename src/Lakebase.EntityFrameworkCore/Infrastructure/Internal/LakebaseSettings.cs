using Microsoft.Extensions.Logging;
using Npgsql;
using Npgsql.EntityFrameworkCore.PostgreSQL.Infrastructure;

namespace Lakebase.EntityFrameworkCore.Infrastructure.Internal;

/// <summary>
/// What a <see cref="LakebaseDbContextOptionsBuilder"/> collected; unset values are resolved later. A record: equal
/// settings find their data source on the registry's fast path.
/// </summary>
internal sealed record LakebaseSettings
{
    public string? Host { get; set; }

    public int? Port { get; set; }

    public string? Database { get; set; }

    public string? Username { get; set; }

    public SslMode? SslMode { get; set; }

    public string? ApplicationName { get; set; }

    public TimeSpan? ConnectionLifetime { get; set; }

    public TimeSpan? ConnectionIdleLifetime { get; set; }

    public TimeSpan? TcpKeepAlive { get; set; }

    public TimeSpan? ConnectTimeout { get; set; }

    public int? MaxPoolSize { get; set; }

    public int? MinPoolSize { get; set; }

    public TimeSpan? RefreshBeforeExpiry { get; set; }

    public bool ReadEnvironment { get; set; } = true;

    public bool RetryOnFailure { get; set; } = true;

    public int? MaxRetryCount { get; set; }

    public TimeSpan? MaxRetryDelay { get; set; }

    public TimeProvider? TimeProvider { get; set; }

    public ILoggerFactory? LoggerFactory { get; set; }

    public HttpClient? HttpClient { get; set; }

    public Action<NpgsqlDataSourceBuilder>? ConfigureDataSource { get; set; }

    public Action<NpgsqlDbContextOptionsBuilder>? NpgsqlOptions { get; set; }
}
