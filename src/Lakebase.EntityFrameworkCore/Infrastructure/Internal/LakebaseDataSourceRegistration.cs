using Lakebase.Npgsql;
using Microsoft.Extensions.Hosting;

namespace Lakebase.EntityFrameworkCore.Infrastructure.Internal;

/// <summary>
/// One data source of the <see cref="LakebaseDataSourceRegistry"/> and who holds it: hosts (it is disposed when the
/// last one stops) or nobody in particular (it lives until the process exits, or until the registry needs its place).
/// A data source with no connection created or opened for <see cref="IdleTimeout"/> is evicted: its pooled connections
/// are closed. It is not disposed, because options built earlier (and EF Core's own service provider cache) still refer
/// to it: the next use through them connects again, and the registry watches it again.
/// </summary>
/// <remarks>Every member but the timer callback is called under the registry's lock.</remarks>
internal sealed class LakebaseDataSourceRegistration
{
    /// <summary>How long a registry data source may go without a connection being created or opened before it is evicted.</summary>
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromMinutes(15);

    private readonly HashSet<IHostApplicationLifetime> _hosts = new(ReferenceEqualityComparer.Instance);
    private readonly List<CancellationTokenRegistration> _hostStops = [];
    private readonly TimeProvider _time;
    private readonly ITimer _idleWatch;
    private long? _evictedAt;
    private bool _pinned;

    public LakebaseDataSourceRegistration(LakebaseDataSource dataSource, string shape, TimeProvider timeProvider, Action<LakebaseDataSourceRegistration> onIdleCheck)
    {
        DataSource = dataSource;
        Shape = shape;
        _time = timeProvider;

        // The timer must not capture the caller's execution context: it would keep the first request's
        // AsyncLocals (its Activity, its scope) alive for as long as the data source lives.
        using (ExecutionContext.IsFlowSuppressed() ? default(AsyncFlowControl?) : ExecutionContext.SuppressFlow())
        {
            _idleWatch = timeProvider.CreateTimer(_ => onIdleCheck(this), null, IdleTimeout, Timeout.InfiniteTimeSpan);
        }
    }

    public LakebaseDataSource DataSource { get; }

    /// <summary>What the data source is without its delegate and service instances: registrations of one shape are per-call twins.</summary>
    public string Shape { get; }

    /// <summary>Whether the data source's connections were closed for idleness and it has not been used since.</summary>
    public bool IsEvicted => _evictedAt is { } at && DataSource.TimeSinceLastUse > _time.GetElapsedTime(at);

    /// <summary>How long the data source has been evicted and unused; zero when it is live.</summary>
    public TimeSpan EvictedFor => IsEvicted ? _time.GetElapsedTime(_evictedAt!.Value) : TimeSpan.Zero;

    /// <summary>
    /// Marks the data source evicted if it has been idle long enough (the caller then closes its connections, outside
    /// the lock); otherwise checks again when it could first have been idle that long. An evicted data source is
    /// checked again every <see cref="IdleTimeout"/>, so one used again through options built before is evicted again
    /// once it is idle again.
    /// </summary>
    public bool EvictIfIdle()
    {
        var idleFor = DataSource.TimeSinceLastUse;
        if (IsEvicted)
        {
            _idleWatch.Change(IdleTimeout, Timeout.InfiniteTimeSpan);
            return false;
        }

        if (idleFor < IdleTimeout)
        {
            _evictedAt = null;
            _idleWatch.Change(IdleTimeout - idleFor, Timeout.InfiniteTimeSpan);
            return false;
        }

        _evictedAt = _time.GetTimestamp();
        _idleWatch.Change(IdleTimeout, Timeout.InfiniteTimeSpan);
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
