using Lakebase.Npgsql;
using Microsoft.Extensions.Hosting;

namespace Lakebase.EntityFrameworkCore.Infrastructure.Internal;

/// <summary>
/// One data source of the <see cref="LakebaseDataSourceRegistry"/> and who holds it: hosts (it is disposed when the
/// last one stops) or nobody in particular (it lives until the process exits). A data source with no connection
/// created or opened for <see cref="IdleTimeout"/> is evicted: its pooled connections are closed and it is no longer
/// counted as live until it is used again. It is not disposed, because options built earlier (and EF Core's own
/// service provider cache) still refer to it.
/// </summary>
/// <remarks>Every member but the timer callback is called under the registry's lock.</remarks>
internal sealed class LakebaseDataSourceRegistration
{
    /// <summary>How long a registry data source may go without a connection being created or opened before it is evicted.</summary>
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromMinutes(15);

    private readonly HashSet<IHostApplicationLifetime> _hosts = new(ReferenceEqualityComparer.Instance);
    private readonly List<CancellationTokenRegistration> _hostStops = [];
    private readonly ITimer _idleWatch;
    private bool _pinned;

    public LakebaseDataSourceRegistration(LakebaseDataSource dataSource, TimeProvider timeProvider, Action<LakebaseDataSourceRegistration> onIdleCheck)
    {
        DataSource = dataSource;

        // The timer must not capture the caller's execution context: it would keep the first request's
        // AsyncLocals (its Activity, its scope) alive for as long as the data source lives.
        using (ExecutionContext.IsFlowSuppressed() ? default(AsyncFlowControl?) : ExecutionContext.SuppressFlow())
        {
            _idleWatch = timeProvider.CreateTimer(_ => onIdleCheck(this), null, IdleTimeout, Timeout.InfiniteTimeSpan);
        }
    }

    public LakebaseDataSource DataSource { get; }

    /// <summary>Whether the data source has been idle long enough to have had its connections closed, and not used since.</summary>
    public bool IsEvicted { get; private set; }

    /// <summary>The data source was used after its eviction: watch it again.</summary>
    public void Reactivate()
    {
        if (IsEvicted && !DataSource.IsDisposed)
        {
            IsEvicted = false;
            _idleWatch.Change(IdleTimeout, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>
    /// Marks the data source evicted if it has been idle long enough (the caller then closes its connections, outside
    /// the lock); otherwise checks again when it could first have been idle that long.
    /// </summary>
    public bool EvictIfIdle()
    {
        if (IsEvicted || DataSource.IsDisposed)
        {
            return false;
        }

        var idleFor = DataSource.IdleFor;
        if (idleFor < IdleTimeout)
        {
            _idleWatch.Change(IdleTimeout - idleFor, Timeout.InfiniteTimeSpan);
            return false;
        }

        IsEvicted = true;
        return true;
    }

    public void Attach(IHostApplicationLifetime? lifetime, Action release)
    {
        if (lifetime is null)
        {
            _pinned = true;
        }
        else if (_hosts.Add(lifetime))
        {
            _hostStops.Add(lifetime.ApplicationStopped.Register(release));
        }
    }

    /// <summary>True when nobody holds the data source any more.</summary>
    public bool Detach(IHostApplicationLifetime lifetime) => _hosts.Remove(lifetime) && _hosts.Count == 0 && !_pinned;

    /// <summary>Ends the registration: no more idle checks or host callbacks.</summary>
    public void Close()
    {
        _idleWatch.Dispose();
        foreach (var stop in _hostStops)
        {
            stop.Unregister(); // not Dispose: this may run inside that very callback, which Dispose would wait for
        }
    }
}
