using System.Diagnostics;
using Lakebase.Emulator;
using Lakebase.Npgsql;
using Microsoft.Extensions.Time.Testing;

namespace Lakebase.Reliability.Fleet;

/// <summary>The fleet's settings.</summary>
/// <param name="Instances">Application instances, each with its own credential cache (or, for the guide, its own connections).</param>
/// <param name="Duration">Simulated time.</param>
/// <param name="RateLimitPerMinute">The emulated workspace's sustained credential-request rate.</param>
/// <param name="RateLimitBurst">Requests the workspace lets through at once.</param>
/// <param name="Step">How far the fake clock moves between checks.</param>
/// <param name="ConnectionsPerInstance">For the guide's pattern: physical connections each instance keeps.</param>
public sealed record FleetOptions(
    int Instances,
    TimeSpan Duration,
    double RateLimitPerMinute = 300,
    int RateLimitBurst = 100,
    TimeSpan? Step = null,
    int ConnectionsPerInstance = 5)
{
    /// <summary>Every instance opens a connection this often (pool churn), so caches stay active.</summary>
    public static readonly TimeSpan OpenInterval = TimeSpan.FromMinutes(1);

    /// <summary>The guide recycles physical connections after 45 minutes.</summary>
    public static readonly TimeSpan GuideConnectionLifetime = TimeSpan.FromMinutes(45);

    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(30);

    /// <summary>How often the load balancer asks an instance's readiness endpoint (readiness variant).</summary>
    public static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(10);
}

/// <summary>
/// N application instances started together (a rollout) against one emulator whose credential API is rate-limited,
/// on a fake clock shared with the emulator: hours pass in seconds. Each instance is what a user builds, on the public
/// API only: a <see cref="LakebaseDataSource"/> from <see cref="LakebaseDataSourceBuilder"/> (or, for the readiness
/// variant, from <c>AddLakebaseDataSource</c> in its own service collection) with the fleet's clock and HTTP client, the
/// host and user set so no lookup happens; or, for the guide's pattern, a credential request per physical connection.
/// The clock moves only when no request is in flight, so a slow machine changes the wall-clock time, not the figures.
/// </summary>
public sealed class FleetSimulation : IAsyncDisposable
{
    private const string User = "fleet@example.com";
    private static readonly TimeSpan SettleTimeout = TimeSpan.FromMinutes(2);
    private readonly FakeTimeProvider _clock;
    private readonly LakebaseEmulator _emulator;
    private readonly HttpClient _http;
    private readonly string _bearer;
    private readonly InFlight _inFlight;

    private FleetSimulation(FakeTimeProvider clock, LakebaseEmulator emulator, string bearer)
    {
        _clock = clock;
        _emulator = emulator;
        _bearer = bearer;

        // Loopback, but a thousand instances must not open a thousand sockets at once on a 2-core box. Every request
        // of every instance goes through this client, so it also counts what is in flight.
        _inFlight = new InFlight(new SocketsHttpHandler { MaxConnectionsPerServer = 32 });
        _http = new HttpClient(_inFlight);
    }

    public static async Task<FleetSimulation> StartAsync(CancellationToken cancellationToken)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = new LakebaseEmulatorOptions { TimeProvider = clock };
        var user = EmulatedPrincipal.CreateUser(User);
        options.Principals.Add(user);
        var emulator = await LakebaseEmulator.StartAsync(options, cancellationToken).ConfigureAwait(false);
        return new FleetSimulation(clock, emulator, user.PersonalAccessToken!);
    }

    public async Task<FleetResult> RunAsync(FleetVariant variant, FleetOptions options, CancellationToken cancellationToken)
    {
        var wall = Stopwatch.StartNew();
        _emulator.Faults.RateLimitCredentials(options.RateLimitPerMinute, options.RateLimitBurst);
        _emulator.Counters.Reset();
        var instances = Enumerable.Range(0, options.Instances).Select(_ => NewInstance(variant, options)).ToArray();

        var step = options.Step ?? TimeSpan.FromSeconds(1);
        var perMinute = new List<long>();
        var mintedPerMinute = new List<long>();
        long countedRequests = 0;
        long countedMinted = 0;
        long heldOff = 0;
        TimeSpan? allReady = null;
        var pending = new List<Task>();

        try
        {
            for (var elapsed = TimeSpan.Zero; elapsed < options.Duration; elapsed += step)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var stepEnd = elapsed + step;

                // The load balancer's probes, all in phase from the start (the harshest case): every instance starts at once.
                if (variant == FleetVariant.Readiness && elapsed.Ticks % FleetOptions.ProbeInterval.Ticks < step.Ticks)
                {
                    await Task.WhenAll(instances.Select(i => i.ProbeAsync())).ConfigureAwait(false);
                    if (allReady is null && instances.All(i => i.IsReady))
                    {
                        allReady = elapsed;
                    }
                }

                // Opens due in this step; at zero every instance opens together (the rollout). A not-ready instance gets none.
                for (var i = 0; i < instances.Length; i++)
                {
                    var offset = FleetOptions.OpenInterval * i / instances.Length;
                    if (elapsed == TimeSpan.Zero || OpensIn(offset, elapsed, stepEnd))
                    {
                        if (instances[i].IsReady)
                        {
                            pending.Add(instances[i].OpenAsync());
                        }
                        else
                        {
                            heldOff++;
                        }
                    }
                }

                await SettleAsync(instances).ConfigureAwait(false);
                _clock.Advance(step);
                await SettleAsync(instances).ConfigureAwait(false);
                pending.RemoveAll(t => t.IsCompleted);

                if ((stepEnd.Ticks % TimeSpan.TicksPerMinute) < step.Ticks)
                {
                    var total = _emulator.Counters.CredentialRequests;
                    perMinute.Add(total - countedRequests);
                    countedRequests = total;
                    var minted = _emulator.Counters.CredentialsMinted;
                    mintedPerMinute.Add(minted - countedMinted);
                    countedMinted = minted;
                }
            }

            // Let whatever is still waiting on the fake clock run out.
            for (var i = 0; i < 60 && pending.Any(t => !t.IsCompleted); i++)
            {
                _clock.Advance(TimeSpan.FromSeconds(1));
                await SettleAsync(instances).ConfigureAwait(false);
            }
        }
        finally
        {
            foreach (var instance in instances)
            {
                await instance.DisposeAsync().ConfigureAwait(false);
            }
        }

        return new FleetResult(
            variant,
            options.Instances,
            options.Duration,
            perMinute,
            _emulator.Counters.TooManyRequests,
            instances.Sum(i => i.Opens),
            instances.Sum(i => i.FailedOpens),
            wall.Elapsed,
            heldOff,
            allReady)
        {
            CredentialsPerMinute = mintedPerMinute,
        };
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _emulator.DisposeAsync().ConfigureAwait(false);
    }

    private IFleetInstance NewInstance(FleetVariant variant, FleetOptions options)
    {
        if (variant == FleetVariant.GuidePerConnection)
        {
            return new GuideInstance(_http, _emulator.WorkspaceUrl, _emulator.EndpointName, _bearer, _clock, options.ConnectionsPerInstance);
        }

        var clock = new InstanceClock(_clock);
        var oauth = new LakebaseOAuthOptions { WorkspaceHost = _emulator.WorkspaceUrl.ToString(), Token = _bearer };

        // What a user's data source is, minus what would reach beyond the credential API: the host and user are set
        // (no lookups), the environment is not read, and the fleet's clock and HTTP client are used.
        void Configure(LakebaseDataSourceBuilder builder) => builder
            .Host(_emulator.Host).Port(_emulator.Port).Username(User)
            .ConnectTimeout(FleetOptions.ConnectTimeout)
            .UseTimeProvider(clock).UseHttpClient(_http).ReadEnvironment(false);

        if (variant == FleetVariant.Readiness)
        {
            return new ReadinessInstance(Configure, _emulator.EndpointName, oauth, clock);
        }

        var builder = new LakebaseDataSourceBuilder(_emulator.EndpointName, oauth);
        Configure(builder);
        return new CachedInstance(builder.Build(), clock);
    }

    // Whether offset + k * interval falls in [from, to) for some k >= 1.
    private static bool OpensIn(TimeSpan offset, TimeSpan from, TimeSpan to)
    {
        if (from == TimeSpan.Zero)
        {
            return false;
        }

        var interval = FleetOptions.OpenInterval.Ticks;
        var k = (from.Ticks - offset.Ticks + interval - 1) / interval;
        var at = offset.Ticks + (Math.Max(1, k) * interval);
        return at >= from.Ticks && at < to.Ticks;
    }

    // Waits until no request is in flight and every instance is either idle or asleep on the fake clock: then nothing
    // can reach the API before the clock moves. Both are exact states (a refresh is marked running the moment it
    // starts, a wait stops counting the moment its timer fires), so a slow machine only makes this take longer.
    private async Task SettleAsync(IFleetInstance[] instances)
    {
        var waited = Stopwatch.StartNew();
        while (_inFlight.Count != 0 || !instances.All(i => i.IsSettled))
        {
            if (waited.Elapsed > SettleTimeout)
            {
                throw new TimeoutException($"The fleet did not settle within {SettleTimeout.TotalSeconds:0} s: a request or refresh is stuck.");
            }

            await Task.Delay(1).ConfigureAwait(false);
        }
    }

    /// <summary>Counts the requests in flight through the fleet's HTTP client.</summary>
    private sealed class InFlight(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _count);
            try
            {
                return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                Interlocked.Decrement(ref _count);
            }
        }
    }
}
