using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Lakebase.EntityFrameworkCore.Infrastructure.Internal;

/// <summary>
/// What makes two <c>UseLakebase</c> calls share a data source: the same workspace, identity, endpoint, connection
/// string and collaborators. Secrets enter only as one-way fingerprints, so two secrets never share a pool
/// (unlike efcore.pg's connection-string-keyed cache, efcore.pg#3513) and the key itself reveals nothing.
/// </summary>
internal sealed record LakebaseDataSourceKey(
    string WorkspaceUrl,
    string Identity,
    object? TokenProvider,
    string Endpoint,
    string ConnectionString,
    TimeSpan RefreshBeforeExpiry,
    TimeProvider TimeProvider,
    ILoggerFactory LoggerFactory,
    object? HttpClient,
    string DataSourceConfiguration,
    bool RetryOnFailure)
{
    public static string Fingerprint(string secret) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(secret)), 0, 12);

    public override string ToString() => $"{Endpoint} ({ConnectionString})";
}
