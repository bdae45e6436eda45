using System.Collections.Concurrent;
using Lakebase.Npgsql;
using Lakebase.Npgsql.Configuration;
using Lakebase.Npgsql.Connection;
using Lakebase.Npgsql.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lakebase.EntityFrameworkCore.Infrastructure.Internal;

/// <summary>
/// The data sources of <c>UseLakebase(endpoint, oauth)</c>, which builds its own data source instead of taking one from
/// the container (design-time factories, consoles, and the one-line <c>AddDbContext</c> form). That call runs for every
/// DbContext options build, so it must find the existing data source cheaply and never build a second pool for the same
/// configuration. A data source obtained through a host (<see cref="IHostApplicationLifetime"/>) is disposed when the
/// last such host stops; one obtained without a host lives until the process exits. Either way, a data source nobody
/// has used for <see cref="LakebaseDataSourceRegistration.IdleTimeout"/> is evicted: its pooled connections are closed
/// (its credential refresh has already paused for lack of use). In an application with a container,
/// <c>AddLakebaseDataSource</c> + <c>UseLakebase()</c> gives the container the ownership instead.
/// </summary>
internal sealed class LakebaseDataSourceRegistry
{
    private const int ManyDataSourcesThreshold = 20;

    // Calls whose inputs were seen before skip validation, environment reads and key building: UseLakebase runs for
    // every DbContext options build, so this is on the per-request path. Bounded, in case inputs never repeat.
    private const int MaxRememberedCalls = 256;

    // At process exit the pools' sockets close anyway; a graceful close is worth this long in total, no more.
    private static readonly TimeSpan ExitDisposeBudget = TimeSpan.FromSeconds(2);

    private readonly object _gate = new();
    private readonly Dictionary<LakebaseDataSourceKey, LakebaseDataSourceRegistration> _registrations = [];
    private readonly ConcurrentDictionary<Call, LakebaseDataSource> _calls = new();
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
    /// The data source for these inputs. <c>PG*</c> environment variables are read when a combination of inputs is
    /// first seen, not on every call. No network call is made.
    /// </summary>
    public LakebaseDataSource GetOrCreate(string endpoint, LakebaseOAuthOptions oauth, LakebaseSettings settings, CoreOptionsExtension? core)
    {
        // Keyed on the application's singletons, not on the (per-scope) service provider EF Core hands us.
        var collaborators = Collaborators.Resolve(settings, core);
        var call = new Call(endpoint, oauth.WorkspaceHost, oauth.ClientId, oauth.ClientSecret, oauth.Token, oauth.TokenProvider, UnifiedAuth.From(oauth), settings, collaborators);
        if (_calls.TryGetValue(call, out var known) && !known.IsDisposed)
        {
            return known;
        }

        var request = LakebaseDataSourceRequest.Create(
            endpoint, oauth, settings, collaborators.TimeProvider, collaborators.LoggerFactory, settings.HttpClient is null ? collaborators.HttpClientFactory : null);
        var dataSource = GetOrCreate(request, collaborators.Lifetime);
        if (_calls.Count >= MaxRememberedCalls)
        {
            _calls.Clear();
        }

        _calls[call] = dataSource;
        return dataSource;
    }

    private LakebaseDataSource GetOrCreate(LakebaseDataSourceRequest request, IHostApplicationLifetime? lifetime)
    {
        var key = KeyFor(request);
        LakebaseDataSourceRegistration registration;
        var warnAboutMany = false;
        lock (_gate)
        {
            if (_registrations.TryGetValue(key, out registration!) && !registration.DataSource.IsDisposed)
            {
                registration.Reactivate();
            }
            else
            {
                registration?.Close(); // its data source was disposed by hand
                var dataSource = new LakebaseDataSource(new LakebaseDataSourceParts(request));
                var logger = request.LoggerFactory.CreateLogger(LakebaseLog.Category);
                registration = new LakebaseDataSourceRegistration(dataSource, request.TimeProvider, r => OnIdleCheck(key, r, logger));
                _registrations[key] = registration;
                warnAboutMany = _registrations.Count > ManyDataSourcesThreshold && !_warnedAboutMany;
                _warnedAboutMany |= warnAboutMany;
            }

            var attached = registration;
            attached.Attach(lifetime, () => Release(key, attached, lifetime!));
        }

        if (warnAboutMany)
        {
            LakebaseLog.ManyDataSourcesCreated(request.LoggerFactory.CreateLogger(LakebaseLog.Category), ManyDataSourcesThreshold + 1);
        }

        return registration.DataSource;
    }

    private static LakebaseDataSourceKey KeyFor(LakebaseDataSourceRequest request)
    {
        var oauth = request.OAuth;
        var identity = oauth.Method switch
        {
            LakebaseAuthenticationMethod.ServicePrincipal => $"sp:{oauth.ClientId}:{LakebaseDataSourceKey.Fingerprint(oauth.ClientSecret!)}",
            LakebaseAuthenticationMethod.BearerToken => $"bearer:{LakebaseDataSourceKey.Fingerprint(oauth.Token!)}",
            LakebaseAuthenticationMethod.TokenProvider => "provider",
            _ => "unified:" + oauth.DescribeIdentity(LakebaseDataSourceKey.Fingerprint),
        };
        var settings = request.Settings;
        return new LakebaseDataSourceKey(
            request.WorkspaceUrl.ToString(),
            identity,
            oauth.TokenProvider,
            request.Endpoint.Name,
            request.Connection,
            LakebaseTuning.From(settings),
            request.TimeProvider,
            request.LoggerFactory,
            (object?)settings.HttpClient ?? request.HttpClientFactory,
            settings.ConfigureDataSource);
    }

    // Runs on the registration's timer: nothing may escape it, or the process ends.
    private void OnIdleCheck(LakebaseDataSourceKey key, LakebaseDataSourceRegistration registration, ILogger logger)
    {
        try
        {
            lock (_gate)
            {
                if (!_registrations.TryGetValue(key, out var current) || !ReferenceEquals(current, registration) || !registration.EvictIfIdle())
                {
                    return;
                }
            }

            var dataSource = registration.DataSource;
            var idleFor = dataSource.IdleFor;
            dataSource.ReleaseIdleConnections(onReuse: () => Reactivate(key, registration));
            if (dataSource.IdleFor < idleFor)
            {
                Reactivate(key, registration); // used while its connections were being closed
            }

            LakebaseLog.DataSourceEvicted(logger, dataSource.Endpoint, idleFor);
        }
        catch (Exception)
        {
            // Best effort: a data source that could not be evicted stays as it was and is checked again when used.
        }
    }

    // A data source evicted earlier was used again (through options built before its eviction, say).
    private void Reactivate(LakebaseDataSourceKey key, LakebaseDataSourceRegistration registration)
    {
        lock (_gate)
        {
            if (_registrations.TryGetValue(key, out var current) && ReferenceEquals(current, registration))
            {
                registration.Reactivate();
            }
        }
    }

    private void Release(LakebaseDataSourceKey key, LakebaseDataSourceRegistration registration, IHostApplicationLifetime lifetime)
    {
        lock (_gate)
        {
            if (!registration.Detach(lifetime))
            {
                return;
            }

            if (_registrations.TryGetValue(key, out var current) && ReferenceEquals(current, registration))
            {
                _registrations.Remove(key);
            }

            registration.Close();
        }

        registration.DataSource.DisposeAsync().AsTask().GetAwaiter().GetResult();
        foreach (var (call, dataSource) in _calls)
        {
            if (dataSource.IsDisposed)
            {
                _calls.TryRemove(call, out _); // and with it the stopped host's service provider
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

    /// <summary>Everything a <c>UseLakebase</c> call was given (secrets compared, never shown: no ToString use).</summary>
    /// <remarks>A struct, like <see cref="Collaborators"/>: built on every call, so a lookup that finds it allocates nothing.</remarks>
    private readonly record struct Call(
        string Endpoint,
        string? WorkspaceHost,
        string? ClientId,
        string? ClientSecret,
        string? Token,
        object? TokenProvider,
        UnifiedAuth UnifiedAuth,
        LakebaseSettings Settings,
        Collaborators Collaborators)
    {
        public override string ToString() => Endpoint;
    }

    /// <summary>The rest of the workspace identity: two calls that differ in any of it must not share a data source.</summary>
    private readonly record struct UnifiedAuth(
        string? AuthType,
        string? Profile,
        string? ConfigFile,
        string? DatabricksCliPath,
        string? MetadataServiceUrl,
        string? OidcTokenEnv,
        string? OidcTokenFilePath,
        string? TokenAudience,
        string? AzureWorkspaceResourceId,
        bool AzureUseMsi,
        string? AzureClientId,
        string? AzureClientSecret,
        string? AzureTenantId)
    {
        public static UnifiedAuth From(LakebaseOAuthOptions o) => new(
            o.AuthType, o.Profile, o.ConfigFile, o.DatabricksCliPath, o.MetadataServiceUrl, o.OidcTokenEnv, o.OidcTokenFilePath,
            o.TokenAudience, o.AzureWorkspaceResourceId, o.AzureUseMsi, o.AzureClientId, o.AzureClientSecret, o.AzureTenantId);

        public override string ToString() => AuthType ?? "(default chain)";
    }

    /// <summary>The application singletons a data source uses: from the settings, else EF Core's, else the app's.</summary>
    private readonly record struct Collaborators(TimeProvider TimeProvider, ILoggerFactory LoggerFactory, IHttpClientFactory? HttpClientFactory, IHostApplicationLifetime? Lifetime)
    {
        public static Collaborators Resolve(LakebaseSettings settings, CoreOptionsExtension? core)
        {
            var services = core?.ApplicationServiceProvider;
            return new Collaborators(
                settings.TimeProvider ?? services?.GetService<TimeProvider>() ?? TimeProvider.System,
                settings.LoggerFactory ?? core?.LoggerFactory ?? services?.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance,
                settings.HttpClient is null ? services?.GetService<IHttpClientFactory>() : null,
                services?.GetService<IHostApplicationLifetime>());
        }
    }
}
