using Lakebase.Npgsql;
using Microsoft.Extensions.Hosting;

namespace Lakebase.EntityFrameworkCore.Infrastructure.Internal;

/// <summary>
/// One data source of the <see cref="LakebaseDataSourceRegistry"/> and who holds it: hosts (it is disposed when the
/// last one stops) or nobody in particular (pinned until the process exits). While the data source is used the
/// registration holds it strongly; once it has been idle for <see cref="IdleTimeout"/> it is evicted: its resources
/// are released and the registration keeps only a weak reference. Options built earlier may still hold the data
/// source and use it again; then the next <c>UseLakebase</c> call for it revives it instead of building a second pool.
/// </summary>
/// <remarks>Every member but the timer callback is called under the registry's lock.</remarks>
internal sealed class LakebaseDataSourceRegistration
{
    /// <summary>How long a registry data source may go without a connection being created or opened before it is evicted.</summary>
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromMinutes(15);

    private readonly WeakReference<LakebaseDataSource> _weak;
    private readonly HashSet<IHostApplicationLifetime> _hosts = new(ReferenceEqualityComparer.Instance);
    private readonly List<CancellationTokenRegistration> _hostStops = [];
    private readonly ITimer _idleWatch;
    private LakebaseDataSource? _active;
    private bool _pinned;

    public LakebaseDataSourceRegistration(LakebaseDataSource dataSource, TimeProvider timeProvider, Action<LakebaseDataSourceRegistration> onIdleCheck)
    {
        _active = dataSource;
        _weak = new WeakReference<LakebaseDataSource>(dataSource);
        _idleWatch = timeProvider.CreateTimer(_ => onIdleCheck(this), null, IdleTimeout, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Whether the data source is held (not evicted, not disposed).</summary>
    public bool IsActive => _active is { IsDisposed: false };

    /// <summary>Evicted, and nothing else held the data source: the registration can go.</summary>
    public bool IsCollected => _active is null && !_weak.TryGetTarget(out _);

    /// <summary>The data source, reviving it if it was evicted but is still alive; false if it is gone or disposed.</summary>
    public bool TryGet(out LakebaseDataSource dataSource)
    {
        if (_active is { } active)
        {
            dataSource = active;
            return !active.IsDisposed;
        }

        if (_weak.TryGetTarget(out var evicted) && !evicted.IsDisposed)
        {
            _active = dataSource = evicted;
            _idleWatch.Change(IdleTimeout, Timeout.InfiniteTimeSpan);
            return true;
        }

        dataSource = null!;
        return false;
    }

    /// <summary>
    /// Evicts the data source if it has been idle long enough and returns it (for the caller to release its resources
    /// outside the lock); otherwise checks again when it could first have been idle that long.
    /// </summary>
    public LakebaseDataSource? EvictIfIdle()
    {
        if (_active is not { IsDisposed: false } active)
        {
            return null;
        }

        var idleFor = active.IdleFor;
        if (idleFor < IdleTimeout)
        {
            _idleWatch.Change(IdleTimeout - idleFor, Timeout.InfiniteTimeSpan);
            return null;
        }

        _active = null;
        return active;
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

    /// <summary>Ends the registration; returns the data source to dispose, if it is still alive.</summary>
    public LakebaseDataSource? Close()
    {
        _idleWatch.Dispose();
        foreach (var stop in _hostStops)
        {
            stop.Unregister(); // not Dispose: this may run inside that very callback
        }

        var dataSource = _active;
        _active = null;
        return dataSource ?? (_weak.TryGetTarget(out var evicted) ? evicted : null);
    }
}
