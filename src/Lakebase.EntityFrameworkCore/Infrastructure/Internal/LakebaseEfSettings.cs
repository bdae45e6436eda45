using Lakebase.Npgsql;
using Npgsql.EntityFrameworkCore.PostgreSQL.Infrastructure;

namespace Lakebase.EntityFrameworkCore.Infrastructure.Internal;

/// <summary>What a <see cref="LakebaseDbContextOptionsBuilder"/> collected: the EF Core options, and the data source's when UseLakebase builds it.</summary>
internal sealed class LakebaseEfSettings
{
    // Shared by every UseLakebase call without a configure callback (the common per-request case), so that such a
    // call allocates no settings. Only a LakebaseDbContextOptionsBuilder writes settings, and none is made for this one.
    private static readonly LakebaseEfSettings Defaults = new();

    public LakebaseConnectionOptions DataSource { get; } = new();

    public LakebaseRetryMode Retry { get; set; } = LakebaseRetryMode.Safe;

    public int? MaxRetryCount { get; set; }

    public TimeSpan? MaxRetryDelay { get; set; }

    public Action<NpgsqlDbContextOptionsBuilder>? NpgsqlOptions { get; set; }

    /// <summary>The hosts the context's connections may use; null for the data source's own (the primary).</summary>
    public global::Npgsql.TargetSessionAttributes? TargetSession { get; set; }

    /// <summary>The settings <paramref name="configure"/> makes; the shared defaults, never to be written, when it is null.</summary>
    public static LakebaseEfSettings Collect(Action<LakebaseDbContextOptionsBuilder>? configure, bool ownsDataSource)
    {
        if (configure is null)
        {
            return Defaults;
        }

        var settings = new LakebaseEfSettings();
        configure(new LakebaseDbContextOptionsBuilder(settings, ownsDataSource));
        return settings;
    }
}

/// <summary>Which execution strategy UseLakebase installs.</summary>
internal enum LakebaseRetryMode
{
    /// <summary>The default: <see cref="Connection.LakebaseExecutionStrategy"/>, retries that need no buffering.</summary>
    Safe,

    /// <summary><c>EnableRetryOnFailure()</c>: EF Core's buffering strategy, <see cref="Connection.LakebaseRetryingExecutionStrategy"/>.</summary>
    Full,

    /// <summary><c>DisableRetryOnFailure()</c>: Npgsql's own non-retrying strategy.</summary>
    None,
}
