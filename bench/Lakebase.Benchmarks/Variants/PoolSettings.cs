using Lakebase.EntityFrameworkCore.Connection;
using Lakebase.Npgsql;
using Npgsql;

namespace Lakebase.Benchmarks.Variants;

/// <summary>
/// The pool settings UseLakebase applies, mirrored onto the hand-built data sources of (a) and (c), so the comparison
/// isolates how the password is obtained rather than pool tuning.
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
        return builder;
    }
}
