using System.Collections.Concurrent;
using Lakebase.EntityFrameworkCore.Diagnostics;
using Lakebase.Npgsql;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lakebase.EntityFrameworkCore.Infrastructure.Internal;

/// <summary>
/// The data sources of <c>UseLakebase(endpoint, oauth)</c>, which builds its own data source instead of taking one from
/// the container (design-time factories, consoles, and the one-line <c>AddDbContext</c> form). That call runs for every
/// DbContext options build, so it must find the existing data source cheaply and never build a second pool for the same
/// <see cref="LakebaseDataSourceDefinition"/>. A data source obtained through a host (<see cref="IHostApplicationLifetime"/>)
/// is disposed when the last such host stops; one obtained without a host lives until the process exits. Either way, a
/// data source nobody has used for <see cref="LakebaseDataSourceRegistration.IdleTimeout"/> is evicted (its pooled
/// connections are closed). The registry is bounded: per-call twins (a capturing lambda) fail after
/// <see cref="MaxTwins"/>, as EF Core fails on too many internal service providers, and past <see cref="MaxDataSources"/>
/// the longest-evicted data sources are disposed to make room.
/// </summary>
internal sealed class LakebaseDataSourceRegistry
{
    /// <summary>Data sources that differ only in delegate or service instances; EF Core's own limit for service providers.</summary>
    public const int MaxTwins = 20;

    /// <summary>Data sources alive at once through this registry.</summary>
    public const int MaxDataSources = 500;

    private const int ManyDataSourcesThreshold = 20;

    // Calls whose inputs were seen before skip resolution (environment reads, validation): UseLakebase runs for every
    // DbContext options build, so this is on the per-request path. Bounded, in case inputs never repeat.
    private const int MaxRememberedCalls = 256;

    // At process exit the pools' sockets close anyway; a graceful close is worth this long in total, no more.
    private static readonly TimeSpan ExitDisposeBudget = TimeSpan.FromSeconds(2);

    // An evicted data source must stay unused this long again before it may be disposed to make room.
    private static readonly TimeSpan DisposeGrace = LakebaseDataSourceRegistration.IdleTimeout;

    private readonly object _gate = new();
    private readonly Dictionary<LakebaseDataSourceDefinition, LakebaseDataSourceRegistration> _registrations = [];
    private readonly ConcurrentDictionary<Call, LakebaseDataSource> _calls = new();
    private readonly HashSet<string> _warnedShapes = [];
    private bool _warnedAboutMany;

    private LakebaseDataSourceRegistry() =>
        AppDomain.CurrentDomain.ProcessExit += (_, _) => DisposeAll();

    public static LakebaseDataSourceRegistry Shared { get; } = new();

    /// <summary>How many data sources are live: registered and not evicted (for diagnostics).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _registrations.Values.Count(r => !r.IsEvicted);
            }
        }
    }

    /// <summary>Whether <paramref name="dataSource"/> is registered and not evicted (for tests).</summary>
    internal bool IsLive(LakebaseDataSource dataSource)
    {
        lock (_gate)
        {
            return _registrations.Values.Any(r => ReferenceEquals(r.DataSource, dataSource) && !r.IsEvicted);
        }
    }

    /// <summary>
    /// The data source for these inputs. Configuration and environment are read when a combination of inputs is first
    /// seen, not on every call. No network call is made.
    /// </summary>
    /// <exception cref="Lakebase.Npgsql.LakebaseConfigurationException">The inputs are not usable, or they keep describing new data sources.</exception>
    public LakebaseDataSource GetOrCreate(string endpoint, LakebaseOAuthOptions oauth, LakebaseConnectionOptions options, CoreOptionsExtension? core)
    {
        // Keyed on the application's singletons, not on the (per-scope) service provider EF Core hands us.
        var services = LakebaseApplicationServices.Resolve(options, core);
        var call = new Call(endpoint, oauth, options, services);
        if (_calls.TryGetValue(call, out var known))
        {
            return known;
        }

        var builder = new LakebaseDataSourceBuilder(endpoint, oauth, options);
        services.ApplyTo(builder);
        var definition = builder.Resolve();
        var dataSource = GetOrCreate(definition, builder, services);
        if (_calls.Count >= MaxRememberedCalls)
        {
            _calls.Clear();
        }

        // The key keeps copies: the caller may change its options objects afterwards.
        _calls[call with { OAuth = oauth with { }, Options = options with { } }] = dataSource;
        return dataSource;
    }

    private LakebaseDataSource GetOrCreate(LakebaseDataSourceDefinition definition, LakebaseDataSourceBuilder builder, LakebaseApplicationServices services)
    {
        var logger = services.LoggerFactory.CreateLogger(LakebaseEntityFrameworkLog.Category);
        LakebaseDataSourceRegistration registration;
        var twinOf = (string?)null;
        var warnAboutMany = false;
        lock (_gate)
        {
            if (!_registrations.TryGetValue(definition, out registration!))
            {
                var shape = ShapeOf(definition, builder);
                var twins = _registrations.Values.Count(r => r.Shape == shape);
                if (twins >= MaxTwins)
                {
                    throw TooManyTwins(definition, twins);
                }

                MakeRoom();
                var dataSource = builder.Build();
                registration = new LakebaseDataSourceRegistration(dataSource, shape, services.TimeProvider, r => OnIdleCheck(definition, r, logger));
                _registrations[definition] = registration;
                if (twins > 0 && _warnedShapes.Add(shape))
                {
                    twinOf = Difference(builder);
                }

                warnAboutMany = _registrations.Count > ManyDataSourcesThreshold && !_warnedAboutMany;
                _warnedAboutMany |= warnAboutMany;
            }

            var attached = registration;
            attached.Attach(services.Lifetime, () => Release(definition, attached, services.Lifetime!));
        }

        if (twinOf is not null)
        {
            LakebaseEntityFrameworkLog.DataSourcePerCall(logger, definition.Endpoint, twinOf);
        }

        if (warnAboutMany)
        {
            LakebaseEntityFrameworkLog.ManyDataSourcesCreated(logger, ManyDataSourcesThreshold);
        }

        return registration.DataSource;
    }

    // Called under the lock. Disposes the data sources evicted longest, if they stayed unused past the grace period.
    private void MakeRoom()
    {
        if (_registrations.Count < MaxDataSources)
        {
            return;
        }

        var disposable = _registrations.Where(r => r.Value.EvictedFor >= DisposeGrace).OrderByDescending(r => r.Value.EvictedFor).ToList();
        foreach (var (definition, registration) in disposable.Take(_registrations.Count - MaxDataSources + 1))
        {
            _registrations.Remove(definition);
            registration.Close();
            Forget(registration.DataSource);
            _ = registration.DataSource.DisposeAsync().AsTask();
        }

        if (_registrations.Count >= MaxDataSources)
        {
            throw new LakebaseConfigurationException(
                $"UseLakebase(endpoint, oauth) already holds {MaxDataSources} data sources in use in this process, each with its own pool and credential; " +
                "no more are built, so the server's connection limit is not exhausted. This happens when every call passes different settings. " +
                "Register data sources once with services.AddLakebaseDataSource(...) (keyed, for several) and call UseLakebase() instead.");
        }
    }

    // Runs on the registration's timer: nothing may escape it, or the process ends.
    private void OnIdleCheck(LakebaseDataSourceDefinition definition, LakebaseDataSourceRegistration registration, ILogger logger)
    {
        try
        {
            lock (_gate)
            {
                if (!_registrations.TryGetValue(definition, out var current) || !ReferenceEquals(current, registration) || !registration.EvictIfIdle())
                {
                    return;
                }
            }

            var dataSource = registration.DataSource;
            var idleFor = dataSource.TimeSinceLastUse;
            dataSource.ClearPool();
            LakebaseEntityFrameworkLog.DataSourceEvicted(logger, dataSource.Endpoint, idleFor);
        }
        catch (Exception)
        {
            // Best effort: a data source that could not be evicted stays as it was and is checked again later.
        }
    }

    private void Release(LakebaseDataSourceDefinition definition, LakebaseDataSourceRegistration registration, IHostApplicationLifetime lifetime)
    {
        lock (_gate)
        {
            if (!registration.Detach(lifetime))
            {
                return;
            }

            if (_registrations.TryGetValue(definition, out var current) && ReferenceEquals(current, registration))
            {
                _registrations.Remove(definition);
            }

            registration.Close();
        }

        Forget(registration.DataSource);
        registration.DataSource.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    // The calls that led to a data source being disposed (and with them a stopped host's service provider).
    private void Forget(LakebaseDataSource dataSource)
    {
        foreach (var (call, known) in _calls)
        {
            if (ReferenceEquals(known, dataSource))
            {
                _calls.TryRemove(call, out _);
            }
        }
    }

    private void DisposeAll()
    {
        LakebaseDataSourceRegistration[] all;
        lock (_gate)
        {
            all = [.. _registrations.Values];
            _registrations.Clear();
        }

        // In parallel and bounded as a whole: a test runner (or a host) gives process exit only seconds, and the
        // pools' sockets close with the process anyway.
        try
        {
            foreach (var registration in all)
            {
                registration.Close();
            }

            Task.WhenAll(all.Select(r => r.DataSource.DisposeAsync().AsTask())).Wait(ExitDisposeBudget);
        }
        catch (AggregateException)
        {
            // Best effort at process exit: the process is going away either way.
        }
    }

    // The definition as a capturing lambda would rebuild it: same values, and the same delegate methods on other targets.
    private static string ShapeOf(LakebaseDataSourceDefinition definition, LakebaseDataSourceBuilder builder) =>
        $"{definition}|{builder.OAuthOptions.TokenProvider?.Method}|{builder.ConnectionOptions.ConfigureDataSource?.Method}";

    private static string Difference(LakebaseDataSourceBuilder builder) =>
        builder.OAuthOptions.TokenProvider is not null ? "the TokenProvider delegate"
        : builder.ConnectionOptions.ConfigureDataSource is not null ? "the ConfigureDataSource delegate"
        : "the logger factory, clock or HTTP client instances";

    private static LakebaseConfigurationException TooManyTwins(LakebaseDataSourceDefinition definition, int twins) => new(
        $"UseLakebase(endpoint, oauth) has built {twins} data sources for {definition.Endpoint} that differ only in their delegate or service instances " +
        "(for example a TokenProvider lambda that captures the request's service provider): each has its own pool and credential, so this would exhaust " +
        "the server's connections. Register the data source once with services.AddLakebaseDataSource(...) and call UseLakebase() in AddDbContext, " +
        "or create the LakebaseOAuthOptions (and its TokenProvider) once, outside the AddDbContext lambda.");

    /// <summary>Everything a <c>UseLakebase</c> call was given (secrets compared, never shown: no ToString use).</summary>
    /// <remarks>A struct, like <see cref="LakebaseApplicationServices"/>: built on every call, so a lookup that finds it allocates nothing.</remarks>
    private readonly record struct Call(string Endpoint, LakebaseOAuthOptions OAuth, LakebaseConnectionOptions Options, LakebaseApplicationServices Services)
    {
        public override string ToString() => Endpoint;
    }
}
