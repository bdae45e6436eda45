using Lakebase.EntityFrameworkCore.Infrastructure.Internal;
using Lakebase.Npgsql;
using Npgsql.EntityFrameworkCore.PostgreSQL.Infrastructure;

namespace Lakebase.EntityFrameworkCore.Infrastructure;

/// <summary>
/// Lakebase-specific configuration for <c>UseLakebase</c>: the EF Core options (retrying execution strategy, Npgsql
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
    /// Retries operations that fail on a transient error, such as a connection dropped by a compute that suspended or
    /// restarted (on by default). Inside a transaction you begin yourself the operation runs once, without retry, so
    /// <c>BeginTransaction()</c> and <c>TransactionScope</c> work unchanged.
    /// </summary>
    /// <param name="maxRetryCount">How many times an operation is retried.</param>
    /// <param name="maxRetryDelay">The longest wait between retries (default 10 seconds).</param>
    /// <returns>This builder.</returns>
    public virtual LakebaseDbContextOptionsBuilder EnableRetryOnFailure(int maxRetryCount = LakebaseRetryDefaults.MaxRetryCount, TimeSpan? maxRetryDelay = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxRetryCount);
        EfSettings.RetryOnFailure = true;
        EfSettings.MaxRetryCount = maxRetryCount;
        EfSettings.MaxRetryDelay = maxRetryDelay;
        return this;
    }

    /// <summary>Turns off the retrying execution strategy <c>UseLakebase</c> installs by default.</summary>
    /// <returns>This builder.</returns>
    public virtual LakebaseDbContextOptionsBuilder DisableRetryOnFailure()
    {
        EfSettings.RetryOnFailure = false;
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
