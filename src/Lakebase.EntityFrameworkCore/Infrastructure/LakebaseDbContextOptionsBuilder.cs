using Lakebase.EntityFrameworkCore.Connection;
using Lakebase.EntityFrameworkCore.Infrastructure.Internal;
using Lakebase.Npgsql;
using Npgsql.EntityFrameworkCore.PostgreSQL.Infrastructure;

namespace Lakebase.EntityFrameworkCore.Infrastructure;

/// <summary>
/// Lakebase-specific configuration for <c>UseLakebase</c>: the EF Core options (execution strategy, Npgsql
/// provider options) and, when <c>UseLakebase</c> builds the data source itself (<c>UseLakebase(endpoint, oauth)</c>),
/// the connection settings. With a data source from the container (<c>UseLakebase()</c>) connection settings belong
/// to <c>AddLakebaseDataSource</c>, and setting one here is an error.
/// </summary>
public class LakebaseDbContextOptionsBuilder : LakebaseConnectionOptionsBuilder<LakebaseDbContextOptionsBuilder>
{
    private readonly bool _ownsDataSource;

    internal LakebaseDbContextOptionsBuilder(LakebaseEfSettings settings, bool ownsDataSource)
        : base(settings.DataSource)
    {
        EfSettings = settings;
        _ownsDataSource = ownsDataSource;
    }

    internal LakebaseEfSettings EfSettings { get; }

    /// <summary>
    /// Chooses EF Core's full retrying strategy (<see cref="LakebaseRetryingExecutionStrategy"/>), as
    /// <c>UseNpgsql(o =&gt; o.EnableRetryOnFailure())</c> does: every operation that fails on a transient error is
    /// retried, including a write cut off after it was sent (which may then be applied twice), and EF Core buffers every
    /// query's results so that a retry can replay them, at a cost in CPU and memory per query. Without this call
    /// <c>UseLakebase</c> installs <see cref="LakebaseExecutionStrategy"/>, which retries what needs no buffering: failed
    /// opens, sessions the compute ended, queries that failed before their first row, and <c>SaveChanges</c>,
    /// <c>ExecuteSql</c> and <c>ExecuteUpdate</c> (so a write cut off after it was sent may be applied twice there too;
    /// <c>ExecuteInTransaction</c> with a check makes it exact). What this adds is a query that fails while its rows are
    /// read. Inside a transaction you begin yourself either strategy runs an operation once, without retry.
    /// </summary>
    /// <param name="maxRetryCount">How many times an operation is retried.</param>
    /// <param name="maxRetryDelay">The longest wait between retries (default 10 seconds).</param>
    /// <returns>This builder.</returns>
    public virtual LakebaseDbContextOptionsBuilder EnableRetryOnFailure(int maxRetryCount = LakebaseRetryDefaults.MaxRetryCount, TimeSpan? maxRetryDelay = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxRetryCount);
        EfSettings.Retry = LakebaseRetryMode.Full;
        EfSettings.MaxRetryCount = maxRetryCount;
        EfSettings.MaxRetryDelay = maxRetryDelay;
        return this;
    }

    /// <summary>
    /// Turns retries off: Npgsql's own execution strategy, as bare <c>UseNpgsql</c> has. A connection the compute closed
    /// while it sat in the pool then fails the operation that finds it.
    /// </summary>
    /// <returns>This builder.</returns>
    public virtual LakebaseDbContextOptionsBuilder DisableRetryOnFailure()
    {
        EfSettings.Retry = LakebaseRetryMode.None;
        return this;
    }

    /// <summary>
    /// Binds the context to the hosts <paramref name="targetSessionAttributes"/> selects, through
    /// <see cref="LakebaseDataSource.WithTargetSession"/>: <c>PreferStandby</c> for a reporting context that reads from the
    /// endpoint's read-only hosts when one answers (else the primary), <c>ReadOnly</c> for one that must never read from the
    /// primary. A context that may land on a read-only host refuses <c>SaveChanges</c> and migrations with the fix, before
    /// anything is sent. Configure the read-only hosts where the data source is configured (<c>ReadableSecondaries</c>,
    /// <c>ReadOnlyEndpoints</c>). Reads there are eventually consistent: a row just written may not be visible yet.
    /// </summary>
    /// <param name="targetSessionAttributes">Which hosts the context's connections may use.</param>
    /// <returns>This builder.</returns>
    public virtual LakebaseDbContextOptionsBuilder TargetSession(global::Npgsql.TargetSessionAttributes targetSessionAttributes)
    {
        EfSettings.TargetSession = Enum.IsDefined(targetSessionAttributes) ? targetSessionAttributes : throw new ArgumentOutOfRangeException(nameof(targetSessionAttributes));
        return this;
    }

    /// <summary>Npgsql EF Core provider options (migrations assembly, command timeout, PostgreSQL version, ...).</summary>
    /// <param name="configure">The provider options.</param>
    /// <returns>This builder.</returns>
    public virtual LakebaseDbContextOptionsBuilder Npgsql(Action<NpgsqlDbContextOptionsBuilder> configure)
    {
        EfSettings.NpgsqlOptions += configure ?? throw new ArgumentNullException(nameof(configure));
        return this;
    }

    /// <inheritdoc />
    protected override void OnConnectionSettingChanging(string setting)
    {
        if (!_ownsDataSource)
        {
            throw new LakebaseConfigurationException(
                $"{setting}(...) configures the data source, but this UseLakebase uses one from the container. " +
                "Set it where the data source is registered (services.AddLakebaseDataSource(...) or the \"Lakebase\" configuration section).");
        }
    }
}
