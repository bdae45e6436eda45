using Lakebase.EntityFrameworkCore.Authentication;
using Lakebase.EntityFrameworkCore.Connection;
using Lakebase.EntityFrameworkCore.Credentials;
using Lakebase.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Lakebase.EntityFrameworkCore.Infrastructure.Internal;

/// <summary>Builds a <see cref="LakebaseDataSource"/>: token source, credential client and cache, Npgsql data source, interceptor.</summary>
internal static class LakebaseDataSourceFactory
{
    // Long-lived clients must still notice DNS changes of the workspace host.
    private static readonly TimeSpan HttpConnectionLifetime = TimeSpan.FromMinutes(5);

    public static LakebaseDataSource Create(LakebaseDataSourceRequest request)
    {
        var logger = request.LoggerFactory.CreateLogger(LakebaseLog.Category);
        var time = request.TimeProvider;

        HttpClient? ownedHttpClient = null;
        Func<HttpClient> httpClient;
        if (request.HttpClient is { } given)
        {
            httpClient = () => given;
        }
        else if (request.HttpClientFactory is { } factory)
        {
            httpClient = () => factory.CreateClient("Lakebase");
        }
        else
        {
            ownedHttpClient = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = HttpConnectionLifetime });
            var owned = ownedHttpClient;
            httpClient = () => owned;
        }

        var tokenCache = new MemoryCache(new MemoryCacheOptions { Clock = new TimeProviderSystemClock(time) });
        var oauth = request.OAuth;
        IWorkspaceTokenSource tokens = oauth.Method switch
        {
            LakebaseAuthenticationMethod.TokenProvider => new TokenProviderSource(oauth.TokenProvider!, tokenCache, time),
            LakebaseAuthenticationMethod.ServicePrincipal => new ServicePrincipalTokenSource(httpClient, request.WorkspaceUrl, oauth.ClientId!, oauth.ClientSecret!, tokenCache, time, logger),
            _ => new BearerTokenSource(oauth.Token!),
        };

        var client = new DatabaseCredentialClient(httpClient, request.WorkspaceUrl, tokens, request.Endpoint, time);
        var connection = request.Connection;
        var host = connection.Host;
        if (host is null)
        {
            // Configuration time, once per data source: the one-line UseLakebase(endpoint, oauth) needs no host.
            // Task.Run: a caller on a synchronization context must not deadlock on a user token provider's awaits.
            host = Task.Run(() => client.GetEndpointHostAsync(CancellationToken.None)).GetAwaiter().GetResult();
            LakebaseLog.EndpointHostResolved(logger, request.Endpoint.Name, host);
        }

        var target = $"Lakebase endpoint {request.Endpoint.Name}";
        var credentials = new DatabaseCredentialCache(client.GenerateAsync, target, request.Settings.RefreshBeforeExpiry ?? LakebaseConnectionDefaults.RefreshBeforeExpiry, time, logger);

        var builder = new NpgsqlDataSourceBuilder(connection.ToConnectionStringBuilder(host, request.Settings).ConnectionString);
        builder.UseLoggerFactory(request.LoggerFactory);
        builder.UsePasswordProvider(_ => credentials.GetPassword(), (_, cancellationToken) => credentials.GetPasswordAsync(cancellationToken));
        request.Settings.ConfigureDataSource?.Invoke(builder);
        var dataSource = builder.Build();

        var location = $"{host}:{connection.Port}/{connection.Database}";
        var interceptor = new LakebaseAuthenticationRetryInterceptor(credentials, connection.Username, location, logger);
        LakebaseLog.DataSourceCreated(logger, request.Endpoint.Name, connection.Username, host, connection.Port, connection.Database);
        return new LakebaseDataSource(
            dataSource,
            credentials,
            interceptor,
            connection.Username,
            tokens.Description,
            $"endpoint={request.Endpoint.Name} user={connection.Username} server={location}",
            ownedHttpClient);
    }
}

/// <summary>The validated inputs of <see cref="LakebaseDataSourceFactory.Create"/>.</summary>
internal sealed record LakebaseDataSourceRequest(
    LakebaseEndpointName Endpoint,
    Uri WorkspaceUrl,
    LakebaseOAuthOptions OAuth,
    LakebaseSettings Settings,
    LakebaseConnectionSettings Connection,
    TimeProvider TimeProvider,
    ILoggerFactory LoggerFactory,
    HttpClient? HttpClient,
    IHttpClientFactory? HttpClientFactory);
