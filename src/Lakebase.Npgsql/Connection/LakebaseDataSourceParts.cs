using Lakebase.Npgsql.Authentication;
using Lakebase.Npgsql.Configuration;
using Lakebase.Npgsql.Credentials;
using Lakebase.Npgsql.Diagnostics;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;
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

    public LakebaseDataSourceParts(LakebaseDataSourceRequest request)
    {
        Endpoint = request.Endpoint;
        Connection = request.Connection;
        Settings = request.Settings;
        TimeProvider = request.TimeProvider;
        _loggerFactory = request.LoggerFactory;
        Logger = request.LoggerFactory.CreateLogger(LakebaseLog.Category);

        Func<HttpClient> httpClient;
        if (request.Settings.HttpClient is { } given)
        {
            httpClient = () => given;
        }
        else if (request.HttpClientFactory is { } factory)
        {
            httpClient = () => factory.CreateClient(LakebaseConnectionDefaults.HttpClientName);
        }
        else
        {
            _ownedHttpClient = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = HttpConnectionLifetime });
            var owned = _ownedHttpClient;
            httpClient = () => owned;
        }

        var tokenCache = new MemoryCache(new MemoryCacheOptions { Clock = new TimeProviderSystemClock(TimeProvider) });
        var oauth = request.OAuth;
        IWorkspaceTokenSource tokens = oauth.Method switch
        {
            LakebaseAuthenticationMethod.TokenProvider => new TokenProviderSource(oauth.TokenProvider!, tokenCache, TimeProvider),
            LakebaseAuthenticationMethod.ServicePrincipal => new ServicePrincipalTokenSource(httpClient, request.WorkspaceUrl, oauth.ClientId!, oauth.ClientSecret!, tokenCache, TimeProvider, Logger),
            _ => new BearerTokenSource(oauth.Token!),
        };

        Source = tokens.Description;
        Client = new DatabaseCredentialClient(httpClient, request.WorkspaceUrl, tokens, request.Endpoint, TimeProvider);
        if (Connection.SslMode == SslMode.Require)
        {
            LakebaseLog.TlsVerificationDisabled(Logger, Endpoint.Name, Connection.Host ?? "(looked up on first open)");
        }

        Credentials = new DatabaseCredentialCache(
            Client.GenerateAsync,
            $"Lakebase endpoint {request.Endpoint.Name}",
            Settings.RefreshBeforeExpiry ?? LakebaseConnectionDefaults.RefreshBeforeExpiry,
            TimeProvider,
            Logger);
    }

    public LakebaseEndpointName Endpoint { get; }

    public LakebaseConnectionSettings Connection { get; }

    public LakebaseSettings Settings { get; }

    public TimeProvider TimeProvider { get; }

    public ILogger Logger { get; }

    public DatabaseCredentialClient Client { get; }

    public DatabaseCredentialCache Credentials { get; }

    /// <summary>How the workspace is authenticated to, for status and diagnostics.</summary>
    public string Source { get; }

    public TimeSpan ConnectTimeout => Settings.ConnectTimeout ?? LakebaseConnectionDefaults.ConnectTimeout;

    public NpgsqlDataSource BuildNpgsqlDataSource(string host)
    {
        var builder = new NpgsqlDataSourceBuilder(Connection.ToConnectionStringBuilder(host, Settings).ConnectionString);
        builder.UseLoggerFactory(_loggerFactory);
        builder.UsePasswordProvider(_ => Credentials.GetPassword(), (_, cancellationToken) => Credentials.GetPasswordAsync(cancellationToken));
        Settings.ConfigureDataSource?.Invoke(builder);
        LakebaseLog.DataSourceCreated(Logger, Endpoint.Name, Connection.Username, host, Connection.Port, Connection.Database);
        return builder.Build();
    }

    /// <summary>The connection string without a password, for a data source whose host is not known yet.</summary>
    public string DescribeConnection(string? host) =>
        Connection.ToConnectionStringBuilder(host ?? "(looked up on first open)", Settings).ConnectionString;

    /// <summary>Endpoint, user and server; no secrets.</summary>
    public string Description(string? host) =>
        $"endpoint={Endpoint.Name} user={Connection.Username} server={host ?? "(looked up on first open)"}:{Connection.Port}/{Connection.Database}";

    public async ValueTask DisposeAsync()
    {
        await Credentials.DisposeAsync().ConfigureAwait(false);
        _ownedHttpClient?.Dispose();
    }
}

/// <summary>The validated inputs of a <see cref="LakebaseDataSource"/>.</summary>
internal sealed record LakebaseDataSourceRequest(
    LakebaseEndpointName Endpoint,
    Uri WorkspaceUrl,
    LakebaseOAuthOptions OAuth,
    LakebaseSettings Settings,
    LakebaseConnectionSettings Connection,
    TimeProvider TimeProvider,
    ILoggerFactory LoggerFactory,
    IHttpClientFactory? HttpClientFactory)
{
    /// <summary>Validates everything (no I/O) and fills unset values from the environment.</summary>
    /// <exception cref="LakebaseConfigurationException">The endpoint name or a setting is malformed or missing.</exception>
    public static LakebaseDataSourceRequest Create(
        string endpoint,
        LakebaseOAuthOptions oauth,
        LakebaseSettings settings,
        TimeProvider timeProvider,
        ILoggerFactory loggerFactory,
        IHttpClientFactory? httpClientFactory,
        Func<string, string?>? getVariable = null)
    {
        var name = LakebaseEndpointName.Parse(endpoint);
        var workspaceUrl = oauth.Validate();
        var connection = LakebaseConnectionSettings.Resolve(settings, oauth, getVariable ?? Environment.GetEnvironmentVariable);
        return new LakebaseDataSourceRequest(name, workspaceUrl, oauth, settings, connection, timeProvider, loggerFactory, httpClientFactory);
    }
}
