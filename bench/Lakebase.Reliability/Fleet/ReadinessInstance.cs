using Lakebase.Npgsql;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Lakebase.Reliability.Fleet;

/// <summary>
/// An instance as a host with a readiness endpoint runs it: its own service provider with <c>AddLakebaseDataSource</c>
/// and <c>AddHealthChecks().AddLakebaseReadiness()</c>. The load balancer asks <see cref="HealthCheckService"/> (the
/// <c>ready</c> tag) every 10 simulated seconds and sends user opens only once it answered Healthy. No warm-up runs: it
/// would open <c>MinPoolSize</c> real PostgreSQL connections per instance, which a thousand instances on one machine
/// cannot; the probe's background fetch is the same credential fetch the warm-up makes (one request, nobody waiting).
/// </summary>
internal sealed class ReadinessInstance : IFleetInstance
{
    private readonly ServiceProvider _services;
    private readonly LakebaseDataSource _dataSource;
    private readonly HealthCheckService _health;
    private readonly InstanceClock _clock;
    private long _opens;
    private long _failed;
    private volatile bool _ready;

    public ReadinessInstance(Action<LakebaseDataSourceBuilder> configure, string endpoint, LakebaseOAuthOptions oauth, InstanceClock clock)
    {
        _clock = clock;
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddLakebaseDataSource(endpoint, oauth, configure);
        services.AddHealthChecks().AddLakebaseReadiness();
        _services = services.BuildServiceProvider();
        _dataSource = _services.GetRequiredService<LakebaseDataSource>();
        _health = _services.GetRequiredService<HealthCheckService>();
    }

    public long Opens => Interlocked.Read(ref _opens);

    public long FailedOpens => Interlocked.Read(ref _failed);

    public bool IsSettled => !_dataSource.GetCredentialStatus().IsRefreshing || _clock.Sleeping > 0;

    public bool IsReady => _ready;

    public async Task ProbeAsync()
    {
        var report = await _health.CheckHealthAsync(c => c.Tags.Contains("ready"), CancellationToken.None).ConfigureAwait(false);
        _ready = report.Status == HealthStatus.Healthy;
    }

    public async Task OpenAsync()
    {
        Interlocked.Increment(ref _opens);
        try
        {
            await _dataSource.GetDatabaseCredentialAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is LakebaseCredentialException or TimeoutException)
        {
            Interlocked.Increment(ref _failed);
        }
    }

    public ValueTask DisposeAsync() => _services.DisposeAsync();
}
