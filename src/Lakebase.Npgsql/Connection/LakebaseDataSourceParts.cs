using Lakebase.Npgsql.Authentication;
using Lakebase.Npgsql.Authentication.Methods;
using Lakebase.Npgsql.Configuration;
using Lakebase.Npgsql.Credentials;
using Lakebase.Npgsql.Diagnostics;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Lakebase.Npgsql.Connection;

/// <summary>
/// Everything a <see cref="LakebaseDataSource"/> is made of except the Npgsql pool: the workspace token source, the
/// credential client and cache, and the resolved connection settings. Building these makes no network call.
/// </summary>
internal sealed class LakebaseDataSourceParts : IAsyncDisposable
{
    // Long-lived clients must still notice DNS changes of the workspace host.
    private static readonly TimeSpan HttpConnectionLifetime = TimeSpan.FromMinutes(5);

    private readonly HttpClient? _ownedHttpClient;
    private readonly ILoggerFactory _loggerFactory;
    private readonly MemoryCache _tokenCache;

    public LakebaseDataSourceParts(LakebaseDataSourceDefinition definition)
    {
        Definition = definition;
        Endpoint = definition.EndpointName;
        Connection = definition.Connection;
        Settings = definition.Options;
        TimeProvider = Settings.TimeProvider ?? TimeProvider.System;
        _loggerFactory = Settings.LoggerFactory ?? NullLoggerFactory.Instance;
        Logger = _loggerFactory.CreateLogger(LakebaseLog.Category);

        Func<HttpClient> httpClient;
        if (Settings.HttpClient is { } given)
        {
            httpClient = () => given;
        }
        else if (Settings.HttpClientFactory is { } factory)
        {
            httpClient = () => factory.CreateClient(LakebaseConnectionDefaults.HttpClientName);
        }
        else
        {
            _ownedHttpClient = new HttpClient(CreateHttpHandler());
            var owned = _ownedHttpClient;
            httpClient = () => owned;
        }

        _tokenCache = new MemoryCache(new MemoryCacheOptions { Clock = new TimeProviderSystemClock(TimeProvider) });

        // The unified-authentication chain: the method is chosen on first use, its tokens go only to this workspace.
        HttpClient = httpClient;
        Tokens = definition.Plan.CreateTokenSource(new AuthServices(httpClient, _tokenCache, TimeProvider, Logger));
        Client = new DatabaseCredentialClient(httpClient, definition.WorkspaceUrl, Tokens, Endpoint, TimeProvider, Logger);
        if (Connection.SslMode == SslMode.Require)
        {
            LakebaseLog.TlsVerificationDisabled(Logger, Endpoint.Name, Connection.Host ?? "(looked up on first open)");
        }
        else if (Connection.SslMode == SslMode.VerifyCA)
        {
            LakebaseLog.TlsHostNameNotVerified(Logger, Endpoint.Name, Connection.RootCertificate!);
        }

        if (Connection.IgnoredVariablesEndpoint is { } environmentEndpoint)
        {
            LakebaseLog.DatabaseVariablesOfAnotherEndpoint(Logger, Endpoint.Name, environmentEndpoint);
        }

        Credentials = new DatabaseCredentialCache(
            Client.GenerateAsync,
            $"Lakebase endpoint {Endpoint.Name}",
            new CredentialCachePolicy
            {
                ConnectTimeout = ConnectTimeout,
                MinimumRefreshLead = Settings.RefreshBeforeExpiry ?? LakebaseConnectionDefaults.RefreshBeforeExpiry,
                Mode = Settings.RefreshMode ?? LakebaseRefreshMode.Background,
            },
            TimeProvider,
            Logger);
    }

    public LakebaseDataSourceDefinition Definition { get; }

    /// <summary>
    /// The handler for workspace API calls: redirects are never followed, because a redirect would carry a workload's
    /// token (a form field, not a header .NET strips) or let another host choose the database host. Long-lived clients
    /// must still notice DNS changes of the workspace host.
    /// </summary>
    public static SocketsHttpHandler CreateHttpHandler() => new() { AllowAutoRedirect = false, PooledConnectionLifetime = HttpConnectionLifetime };

    public LakebaseEndpointName Endpoint { get; }

    public LakebaseConnectionSettings Connection { get; }

    public LakebaseConnectionOptions Settings { get; }

    public TimeProvider TimeProvider { get; }

    public ILogger Logger { get; }

    public DatabaseCredentialClient Client { get; }

    public DatabaseCredentialCache Credentials { get; }

    /// <summary>How the workspace is authenticated to (the method, once chosen), for status and diagnostics.</summary>
    public string Source => Tokens.Description;

    /// <summary>The workspace token source: the credentials chain.</summary>
    public ChainTokenSource Tokens { get; }

    public Func<HttpClient> HttpClient { get; }

    public TimeSpan ConnectTimeout => Settings.ConnectTimeout ?? LakebaseConnectionDefaults.ConnectTimeout;

    /// <summary>
    /// An Npgsql pool: the primary's (one host), or for read routing Npgsql's multi-host data source over the primary
    /// and the read-only hosts, whose <c>WithTargetSession</c> views route reads. Every host of every pool logs in with
    /// the one credential cache.
    /// </summary>
    public NpgsqlDataSource BuildNpgsqlDataSource(EndpointHosts hosts, string username)
    {
        var connectionString = Connection.ToConnectionStringBuilder(hosts.Primary, username, Settings);
        if (hosts.ReadOnly.Count > 0)
        {
            // Each view picks its hosts (WithTargetSession). A host that refused a connection is skipped for this long:
            // Npgsql's 10 s default would keep reads off a replica (or the primary) that only blinked.
            connectionString.Host = string.Join(",", [hosts.Primary, .. hosts.ReadOnly]);
            connectionString.HostRecheckSeconds = 2;
        }

        var builder = new NpgsqlDataSourceBuilder(connectionString.ConnectionString);
        builder.UseLoggerFactory(_loggerFactory);
        builder.UsePasswordProvider(_ => Credentials.GetPassword(), (_, cancellationToken) => Credentials.GetPasswordAsync(cancellationToken));
        Settings.ConfigureDataSource?.Invoke(builder);
        LakebaseLog.DataSourceCreated(Logger, Endpoint.Name, username, hosts.ToString(), Connection.Port, Connection.Database);
        return hosts.ReadOnly.Count > 0 ? builder.BuildMultiHost() : builder.Build();
    }

    /// <summary>The connection string without a password, for a data source whose host is not known yet.</summary>
    public string DescribeConnection(string? host, string? username) =>
        Connection.ToConnectionStringBuilder(host ?? LookedUp, username ?? LookedUp, Settings).ConnectionString;

    /// <summary>Endpoint, user and server; no secrets.</summary>
    public string Description(string? host, string? username) =>
        $"endpoint={Endpoint.Name} user={username ?? Connection.Username ?? LookedUp} server={host ?? LookedUp}:{Connection.Port}/{Connection.Database}";

    private const string LookedUp = "(looked up on first open)";

    public async ValueTask DisposeAsync()
    {
        await Credentials.DisposeAsync().ConfigureAwait(false);
        _ownedHttpClient?.Dispose();
        _tokenCache.Dispose();
    }
}
