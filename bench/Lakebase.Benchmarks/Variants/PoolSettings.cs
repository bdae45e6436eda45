using Lakebase.EntityFrameworkCore.Connection;
using Lakebase.Npgsql;
using Npgsql;

namespace Lakebase.Benchmarks.Variants;

/// <summary>
/// The connection settings UseLakebase applies (pool, keepalive, timeouts, GSS), mirrored onto the hand-built data
/// sources of (a), (a₀) and (c), so the comparison isolates how the password is obtained rather than tuning. The report
/// does not take this on trust: it compares the variants' effective connection strings and names any difference.
/// </summary>
internal static class PoolSettings
{
    public static NpgsqlConnectionStringBuilder Apply(NpgsqlConnectionStringBuilder builder, VariantOptions options, string applicationName)
    {
        builder.ApplicationName = applicationName;
        builder.Pooling = options.Pooling;
        builder.ConnectionLifetime = (int)LakebaseConnectionDefaults.ConnectionLifetime.TotalSeconds;
        builder.ConnectionIdleLifetime = (int)LakebaseConnectionDefaults.ConnectionIdleLifetime.TotalSeconds;
        builder.TcpKeepAlive = true;
        builder.TcpKeepAliveTime = (int)LakebaseConnectionDefaults.TcpKeepAlive.TotalSeconds;
        builder.TcpKeepAliveInterval = (int)LakebaseConnectionDefaults.TcpKeepAlive.TotalSeconds;
        builder.Timeout = (int)LakebaseConnectionDefaults.ConnectTimeout.TotalSeconds;

        // UseLakebase disables GSS encryption negotiation (Lakebase offers no GSSAPI; Npgsql's default, Prefer, costs a
        // round trip per physical open): without this, every physical open of (a) and (c) would pay a step (b) skips.
        builder.GssEncryptionMode = GssEncryptionMode.Disable;
        return builder;
    }
}
