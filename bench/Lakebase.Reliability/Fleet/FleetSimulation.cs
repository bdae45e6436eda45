using System.Diagnostics;
using Lakebase.Emulator;
using Lakebase.Npgsql;
using Lakebase.Npgsql.Authentication;
using Lakebase.Npgsql.Configuration;
using Lakebase.Npgsql.Credentials;
using Microsoft.Extensions.Logging.Abstractions;
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
}

/// <summary>
/// N application instances started together (a rollout) against one emulator whose credential API is rate-limited,
/// on a fake clock shared with the emulator: hours pass in seconds. Each instance drives the real credential client
/// (real HTTP on loopback) through its own <see cref="DatabaseCredentialCache"/>, or, for the guide's pattern, asks
/// for a credential per physical connection. The clock moves only when no request is in flight, so a slow machine
/// changes the wall-clock time, not the figures.
/// </summary>
public sealed class FleetSimulation : IAsyncDisposable
{
    private readonly FakeTimeProvider _clock;
    private readonly LakebaseEmulator _emulator;
    private readonly HttpClient _http;
    private readonly string _bearer;
    private int _busy;

    private FleetSimulation(FakeTimeProvider clock, LakebaseEmulator emulator, string bearer)
    {
        _clock = clock;
        _emulator = emulator;
        _bearer = bearer;

        // Loopback, but a thousand instances must not open a thousand sockets at once on a 2-core box.
        _http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 32 });
    }

    public static async Task<FleetSimulation> StartAsync(CancellationToken cancellationToken)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = new LakebaseEmulatorOptions { TimeProvider = clock };
        var user = EmulatedPrincipal.CreateUser("fleet@example.com");
        options.Principals.Add(user);
        var emulator = await LakebaseEmulator.StartAsync(options, cancellationToken).ConfigureAwait(false);
        return new FleetSimulation(clock, emulator, user.PersonalAccessToken!);
    }

    public async Task<FleetResult> RunAsync(FleetVariant variant, FleetOptions options, CancellationToken cancellationToken)
    {
        var wall = Stopwatch.StartNew();
        _emulator.Faults.RateLimitCredentials(options.RateLimitPerMinute, options.RateLimitBurst);
        _emulator.Counters.Reset();
        var client = new DatabaseCredentialClient(() => _http, _emulator.WorkspaceUrl, new BearerTokenSource(_bearer), LakebaseEndpointName.Parse(_emulator.EndpointName), _clock);
        var instances = Enumerable.Range(0, options.Instances)
            .Select(i => variant == FleetVariant.GuidePerConnection
                ? (IFleetInstance)new GuideInstance(this, client, options.ConnectionsPerInstance)
                : new CachedInstance(this, client, i, jitter: variant == FleetVariant.UseLakebase))
            .ToArray();

        var step = options.Step ?? TimeSpan.FromSeconds(1);
        var perMinute = new List<long>();
        long countedRequests = 0;
        var pending = new List<Task>();

        try
        {
            for (var elapsed = TimeSpan.Zero; elapsed < options.Duration; elapsed += step)
            {
                cancellationToken.ThrowIfCancellationRequested();

                // Opens due in this step; at zero every instance opens together (the rollout).
                var stepEnd = elapsed + step;
                for (var i = 0; i < instances.Length; i++)
                {
                    var offset = FleetOptions.OpenInterval * i / instances.Length;
                    var due = elapsed == TimeSpan.Zero || (elapsed > TimeSpan.Zero && OpensIn(offset, elapsed, stepEnd));
                    if (due)
                    {
                        pending.Add(instances[i].OpenAsync());
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
            wall.Elapsed);
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _emulator.DisposeAsync().ConfigureAwait(false);
    }

    // Whether offset + k * interval falls in [from, to) for some k >= 1.
    private static bool OpensIn(TimeSpan offset, TimeSpan from, TimeSpan to)
    {
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
        while (Volatile.Read(ref _busy) != 0 || !instances.All(i => i.IsSettled))
        {
            if (waited.Elapsed > SettleTimeout)
            {
                throw new TimeoutException($"The fleet did not settle within {SettleTimeout.TotalSeconds:0} s: a request or refresh is stuck.");
            }

            await Task.Delay(1).ConfigureAwait(false);
        }
    }

    private static readonly TimeSpan SettleTimeout = TimeSpan.FromMinutes(2);

    // The status says whether a refresh is under way, as health output and diagnostics see it.
    private static bool IsRefreshing(DatabaseCredentialCache cache) =>
        cache.GetStatus(string.Empty, string.Empty).IsRefreshing;

    private async Task<T> Tracked<T>(Func<Task<T>> request)
    {
        Interlocked.Increment(ref _busy);
        try
        {
            return await request().ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _busy);
        }
    }

    private interface IFleetInstance : IAsyncDisposable
    {
        long Opens { get; }

        long FailedOpens { get; }

        /// <summary>Whether nothing of this instance can reach the API until the clock moves (idle, or every wait asleep on the clock).</summary>
        bool IsSettled { get; }

        Task OpenAsync();
    }

    /// <summary>An instance using the plugin's cache: an open is a password lookup.</summary>
    private sealed class CachedInstance : IFleetInstance
    {
        private readonly DatabaseCredentialCache _cache;
        private readonly InstanceClock _clock;
        private long _opens;
        private long _failed;

        public CachedInstance(FleetSimulation fleet, DatabaseCredentialClient client, int seed, bool jitter)
        {
            _clock = new InstanceClock(fleet._clock);
            _cache = new DatabaseCredentialCache(
                ct => fleet.Tracked(() => client.GenerateAsync(ct)),
                $"instance {seed}",
                new CredentialCachePolicy { Jitter = jitter, Random = new Random(seed), ConnectTimeout = FleetOptions.ConnectTimeout },
                _clock,
                NullLogger.Instance);
        }

        public long Opens => Interlocked.Read(ref _opens);

        public long FailedOpens => Interlocked.Read(ref _failed);

        // A refresh is marked running the moment it starts (in an open, or in the timer callback the clock runs inside
        // Advance), before its request reaches the API on the thread pool; a running one is settled only while it
        // waits out a Retry-After or backoff on the clock. Only an open waits on a refresh, so open tasks need no count.
        public bool IsSettled => !IsRefreshing(_cache) || _clock.Sleeping > 0;

        public async Task OpenAsync()
        {
            Interlocked.Increment(ref _opens);
            try
            {
                await _cache.GetPasswordAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is LakebaseCredentialException or TimeoutException)
            {
                Interlocked.Increment(ref _failed);
            }
        }

        public ValueTask DisposeAsync() => _cache.DisposeAsync();
    }

    /// <summary>
    /// The guide's pattern: every new physical connection asks for a credential (retrying 429/503 as the Databricks SDKs
    /// do, within the connect timeout); each of the instance's connections is recycled after 45 minutes.
    /// </summary>
    private sealed class GuideInstance(FleetSimulation fleet, DatabaseCredentialClient client, int connections) : IFleetInstance
    {
        private readonly DateTimeOffset?[] _openedAt = new DateTimeOffset?[connections];
        private readonly InstanceClock _clock = new(fleet._clock);
        private long _opens;
        private long _failed;
        private int _waiting;

        public long Opens => Interlocked.Read(ref _opens);

        public long FailedOpens => Interlocked.Read(ref _failed);

        // Every open still under way is asleep between attempts (its request count is the fleet's busy count).
        public bool IsSettled => Volatile.Read(ref _waiting) == _clock.Sleeping;

        public async Task OpenAsync()
        {
            // Each pool check: connections that are missing or past their lifetime are opened anew.
            var now = fleet._clock.GetUtcNow();
            var opens = new List<Task>();
            for (var c = 0; c < _openedAt.Length; c++)
            {
                if (_openedAt[c] is not { } opened || now - opened >= FleetOptions.GuideConnectionLifetime)
                {
                    _openedAt[c] = now; // the slot is being filled; a failure clears it
                    opens.Add(OpenConnectionAsync(c));
                }
            }

            await Task.WhenAll(opens).ConfigureAwait(false);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;

        private async Task OpenConnectionAsync(int slot)
        {
            Interlocked.Increment(ref _opens);
            Interlocked.Increment(ref _waiting);
            var started = fleet._clock.GetUtcNow();
            try
            {
                for (var attempt = 1; ; attempt++)
                {
                    try
                    {
                        await fleet.Tracked(() => client.GenerateAsync(CancellationToken.None)).ConfigureAwait(false);
                        return;
                    }
                    catch (LakebaseCredentialException e) when (e.IsTransient)
                    {
                        var delay = e.RetryAfter ?? TimeSpan.FromSeconds(Math.Min(30, Math.Pow(2, attempt)));
                        if (fleet._clock.GetUtcNow() + delay - started >= FleetOptions.ConnectTimeout)
                        {
                            throw;
                        }

                        await Task.Delay(delay, _clock).ConfigureAwait(false);
                    }
                }
            }
            catch (LakebaseCredentialException)
            {
                Interlocked.Increment(ref _failed);
                _openedAt[slot] = null;
            }
            finally
            {
                Interlocked.Decrement(ref _waiting);
            }
        }
    }
}
