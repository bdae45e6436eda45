using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;

using Lakebase.Npgsql;
using Lakebase.Npgsql.Configuration;

namespace Lakebase.EntityFrameworkCore.Infrastructure.Internal;

/// <summary>
/// What makes two container-less <c>UseLakebase</c> calls share a data source: the same workspace, identity, endpoint, connection
/// string and collaborators (not the EF Core options, which the data source never uses). Secrets enter only as one-way fingerprints, so two secrets never share a pool
/// (unlike efcore.pg's connection-string-keyed cache, efcore.pg#3513) and the key itself reveals nothing.
/// </summary>
internal sealed record LakebaseDataSourceKey(
    string WorkspaceUrl,
    string Identity,
    object? TokenProvider,
    string Endpoint,
    LakebaseConnectionSettings Connection,
    LakebaseTuning Tuning,
    TimeProvider TimeProvider,
    ILoggerFactory LoggerFactory,
    object? HttpClient,
    // Compared as delegates (target and method): two closures over different values never share a pool.
    Delegate? DataSourceConfiguration)
{
    public static string Fingerprint(string secret) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(secret)), 0, 12);

    public override string ToString() => $"{Endpoint} ({Connection.Username}@{Connection.Host}:{Connection.Port}/{Connection.Database})";
}

/// <summary>The tuning values of <see cref="LakebaseSettings"/> as they were given (null: the default).</summary>
internal readonly record struct LakebaseTuning(
    TimeSpan? ConnectionLifetime,
    TimeSpan? ConnectionIdleLifetime,
    TimeSpan? TcpKeepAlive,
    TimeSpan? ConnectTimeout,
    int? MaxPoolSize,
    int? MinPoolSize,
    TimeSpan? RefreshBeforeExpiry,
    LakebaseRefreshMode? RefreshMode)
{
    public static LakebaseTuning From(LakebaseSettings settings) => new(
        settings.ConnectionLifetime,
        settings.ConnectionIdleLifetime,
        settings.TcpKeepAlive,
        settings.ConnectTimeout,
        settings.MaxPoolSize,
        settings.MinPoolSize,
        settings.RefreshBeforeExpiry,
        settings.RefreshMode);
}
