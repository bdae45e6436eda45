using System.Data.Common;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Lakebase.Emulator;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Lakebase.Npgsql.Tests.DependencyInjection;

/// <summary>What an application gets from services.AddLakebaseDataSource(): one data source the container owns.</summary>
[Collection(EmulatorCollection.Name)]
public sealed class AddLakebaseDataSourceTests(EmulatorFixture fixture) : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_thousand_scopes_with_a_token_provider_from_the_container_share_one_data_source_and_one_credential()
    {
        var principal = await fixture.NewPrincipalAsync();
        var settings = fixture.Settings(principal);
        settings.Remove("DATABRICKS_CLIENT_SECRET"); // the workspace token comes from the application's own service
        settings["Lakebase:Username"] = principal.ClientId;

        var services = Services(settings);
        services.AddSingleton(new WorkspaceTokenService(fixture.Emulator, principal));
        services.AddOptions<LakebaseOptions>().Configure<WorkspaceTokenService>((options, tokens) => options.OAuth.TokenProvider = tokens.GetTokenAsync);
        services.AddScoped<UserQuery>();
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });

        var dataSources = new HashSet<LakebaseDataSource>(ReferenceEqualityComparer.Instance);
        for (var request = 0; request < 1000; request++)
        {
            await using var scope = provider.CreateAsyncScope();
            var query = scope.ServiceProvider.GetRequiredService<UserQuery>();
            if (request % 100 == 0)
            {
                Assert.Equal(principal.ClientId, await query.CurrentUserAsync(Ct));
            }

            dataSources.Add(query.DataSource);
        }

        Assert.Single(dataSources);
        Assert.Equal(1, fixture.Emulator.Counters.CredentialsMintedFor(principal.ClientId));
        Assert.Equal(1, provider.GetRequiredService<WorkspaceTokenService>().Calls);
    }

    [Fact]
    public async Task A_token_provider_set_in_configure_data_source_passes_validation_at_start_and_is_asked_once()
    {
        // The section names no credential: the one configureDataSource brings is what validation must see, as the data
        // source does. Before, start-up failed with "no credentials" although the data source would have worked.
        var principal = await fixture.NewPrincipalAsync();
        var settings = fixture.Settings(principal);
        settings.Remove("DATABRICKS_CLIENT_ID");
        settings.Remove("DATABRICKS_CLIENT_SECRET");
        settings["Lakebase:Username"] = principal.ClientId;

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddSingleton(fixture.LoggerFactory);
        builder.Services.AddSingleton(new WorkspaceTokenService(fixture.Emulator, principal));
        builder.Services.AddLakebaseDataSource(configureDataSource: (provider, dataSource) =>
            dataSource.OAuthOptions.TokenProvider = provider.GetRequiredService<WorkspaceTokenService>().GetTokenAsync);
        using var host = builder.Build();

        await host.StartAsync(Ct);
        await using (var connection = await host.Services.GetRequiredService<LakebaseDataSource>().OpenConnectionAsync(Ct))
        {
            Assert.Equal(principal.ClientId, await CurrentUserAsync(connection));
        }

        Assert.Equal(1, host.Services.GetRequiredService<WorkspaceTokenService>().Calls);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task Handlers_every_http_client_gets_by_default_are_taken_off_the_workspace_client_and_the_applications_own_stay()
    {
        // Aspire's service defaults give every client a standard resilience handler: beneath the library's own retries
        // it would multiply workspace requests in a 429 storm. A handler the application adds to the client stays.
        var principal = await fixture.NewPrincipalAsync();
        var everyClient = new RequestCounter();
        var workspaceClient = new RequestCounter();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(fixture.Settings(principal)).Build());
        services.AddSingleton(fixture.LoggerFactory);
        services.ConfigureHttpClientDefaults(client => client.AddHttpMessageHandler(() => new CountingHandler(everyClient)));
        services.AddLakebaseDataSource();
        services.AddHttpClient(LakebaseConnectionDefaults.HttpClientName).AddHttpMessageHandler(() => new CountingHandler(workspaceClient));
        await using var provider = services.BuildServiceProvider();

        await using (var connection = await provider.GetRequiredService<LakebaseDataSource>().OpenConnectionAsync(Ct))
        {
            Assert.Equal(principal.ClientId, await CurrentUserAsync(connection));
        }

        Assert.Equal(0, everyClient.Requests);
        Assert.True(workspaceClient.Requests >= 2, $"the workspace token and the credential went through the application's handler ({workspaceClient.Requests} requests)");

        // The defaults still reach the application's other clients.
        using var other = provider.GetRequiredService<IHttpClientFactory>().CreateClient("other");
        using var response = await other.GetAsync(fixture.Emulator.WorkspaceUrl, Ct);
        Assert.Equal(1, everyClient.Requests);
    }

    [Fact]
    public async Task Disposing_the_container_stops_the_refresh_timer()
    {
        var principal = await fixture.NewPrincipalAsync();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var services = Services(fixture.Settings(principal));
        services.AddSingleton<TimeProvider>(clock);
        var provider = services.BuildServiceProvider();

        await using (var connection = await provider.GetRequiredService<LakebaseDataSource>().OpenConnectionAsync(Ct))
        {
            Assert.Equal(principal.ClientId, await CurrentUserAsync(connection));
        }

        // While the container lives, the credential is refreshed ahead of its expiry: the test can see a refresh happen.
        clock.Advance(TimeSpan.FromMinutes(56));
        await WaitForAsync(() => fixture.Emulator.Counters.CredentialsMintedFor(principal.ClientId) == 2);

        await provider.DisposeAsync();
        clock.Advance(TimeSpan.FromHours(3));
        await Task.Delay(TimeSpan.FromMilliseconds(500), Ct);
        Assert.Equal(2, fixture.Emulator.Counters.CredentialsMintedFor(principal.ClientId));
    }

    [Fact]
    public async Task Dapper_style_code_runs_the_guides_check_through_the_container_and_recovers_from_a_revocation()
    {
        var principal = await fixture.NewPrincipalAsync();
        await using var provider = Services(fixture.Settings(principal)).BuildServiceProvider();
        var dataSource = provider.GetRequiredService<DbDataSource>();
        Assert.IsType<LakebaseDataSource>(dataSource);

        await using (var connection = await dataSource.OpenConnectionAsync(Ct))
        {
            var (user, database) = await GuideCheckAsync(connection);
            Assert.Equal((principal.ClientId, "databricks_postgres"), (user, database));
        }

        // Revoked tokens are refused at the next login; pooled connections would hide that, so start from an empty pool.
        fixture.Emulator.RevokeAllTokens();
        provider.GetRequiredService<NpgsqlDataSource>().Clear();

        await using (var connection = await dataSource.OpenConnectionAsync(Ct))
        {
            Assert.Equal(principal.ClientId, (await GuideCheckAsync(connection)).User);
        }

        Assert.Equal(2, fixture.Emulator.Counters.CredentialsMintedFor(principal.ClientId));
        Assert.Contains(fixture.Logs.Entries, e => e.EventId.Name == "AuthenticationFailedRetrying");
    }

    [Fact]
    public async Task Settings_bind_from_json_appsettings_and_the_databricks_variables()
    {
        var principal = await fixture.NewPrincipalAsync();
        var settings = fixture.Settings(principal);
        var json = Path.Combine(Path.GetTempPath(), $"appsettings-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(json, $$"""
            {
              "Lakebase": {
                "Endpoint": "{{settings["Lakebase:Endpoint"]}}",
                "Host": "{{settings["Lakebase:Host"]}}",
                "Port": {{settings["Lakebase:Port"]}},
                "RootCertificate": "{{settings["Lakebase:RootCertificate"]}}",
                "ApplicationName": "from-appsettings",
                "ConnectionIdleLifetime": "00:00:20"
              }
            }
            """, Ct);
        try
        {
            var configuration = new ConfigurationBuilder()
                .AddJsonFile(json)
                .AddInMemoryCollection(settings.Where(s => s.Key.StartsWith("DATABRICKS_", StringComparison.Ordinal))) // as the environment provider adds them
                .Build();
            var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddSingleton(fixture.LoggerFactory);
            services.AddLakebaseDataSource();
            await using var provider = services.BuildServiceProvider();

            var dataSource = provider.GetRequiredService<LakebaseDataSource>();
            var connectionString = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
            Assert.Equal(("from-appsettings", 20, SslMode.VerifyFull), (connectionString.ApplicationName, connectionString.ConnectionIdleLifetime, connectionString.SslMode));
            await using var connection = await dataSource.OpenConnectionAsync(Ct);
            Assert.Equal(principal.ClientId, await CurrentUserAsync(connection));
        }
        finally
        {
            File.Delete(json);
        }
    }

    [Fact]
    public async Task A_validation_failure_at_start_names_each_setting_and_shows_no_secret()
    {
        var principal = await fixture.NewPrincipalAsync();
        var settings = fixture.Settings(principal);
        settings["Lakebase:Endpoint"] = "ep-abc.database.us-east-1.cloud.databricks.com";
        settings["Lakebase:SslMode"] = "prefer";
        settings["Lakebase:Port"] = "0";

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddLakebaseDataSource();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));
        var failures = string.Join(Environment.NewLine, error.Failures);
        Assert.Contains("Lakebase:Endpoint 'ep-abc.database.us-east-1.cloud.databricks.com' is not an endpoint name", failures, StringComparison.Ordinal);
        Assert.Contains("projects/<project-id>/branches/<branch-id>/endpoints/<endpoint-id>", failures, StringComparison.Ordinal);
        Assert.Contains("Lakebase:Port 0 is out of range", failures, StringComparison.Ordinal);
        Assert.Contains("Lakebase:SslMode 'prefer' could send the database token without TLS", failures, StringComparison.Ordinal);
        fixture.AssertNoSecretsIn(failures);
    }

    [Fact]
    public async Task Registering_the_data_source_makes_no_network_call_and_keyed_data_sources_are_separate()
    {
        var first = await fixture.NewPrincipalAsync();
        var second = await fixture.NewPrincipalAsync();
        var services = new ServiceCollection().AddSingleton(fixture.LoggerFactory);
        services.AddKeyedLakebaseDataSource("orders", fixture.Emulator.EndpointName, fixture.OAuthFor(first), ds => ds.Host(fixture.Emulator.Host).Port(fixture.Emulator.Port).RootCertificate(fixture.Emulator.CaCertificatePath).ReadEnvironment(false));
        services.AddKeyedLakebaseDataSource("reports", fixture.Emulator.EndpointName, fixture.OAuthFor(second), ds => ds.Host(fixture.Emulator.Host).Port(fixture.Emulator.Port).RootCertificate(fixture.Emulator.CaCertificatePath).ReadEnvironment(false));
        var requestsBefore = fixture.Emulator.Counters.CredentialRequests;
        var tokensBefore = fixture.Emulator.Counters.WorkspaceTokensIssued;
        await using var provider = services.BuildServiceProvider();
        var orders = provider.GetRequiredKeyedService<DbDataSource>("orders");
        var reports = provider.GetRequiredKeyedService<DbDataSource>("reports");
        Assert.Equal((requestsBefore, tokensBefore), (fixture.Emulator.Counters.CredentialRequests, fixture.Emulator.Counters.WorkspaceTokensIssued));

        await using var ordersConnection = await orders.OpenConnectionAsync(Ct);
        await using var reportsConnection = await reports.OpenConnectionAsync(Ct);
        Assert.Equal(first.ClientId, await CurrentUserAsync((NpgsqlConnection)ordersConnection));
        Assert.Equal(second.ClientId, await CurrentUserAsync((NpgsqlConnection)reportsConnection));
        Assert.Null(provider.GetService<LakebaseDataSource>());
    }

    public void Dispose()
    {
        fixture.Emulator.Faults.Reset();
        fixture.AssertNoSecretsLogged();
    }

    private ServiceCollection Services(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddSingleton(fixture.LoggerFactory);
        services.AddLakebaseDataSource();
        return services;
    }

    private static async Task<string> CurrentUserAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand("SELECT current_user", connection);
        return (string)(await command.ExecuteScalarAsync(Ct))!;
    }

    private static async Task<(string User, string Database)> GuideCheckAsync(DbConnection connection)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT current_user, current_database()";
        await using var reader = await command.ExecuteReaderAsync(Ct);
        Assert.True(await reader.ReadAsync(Ct));
        return (reader.GetString(0), reader.GetString(1));
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(15));
        while (!condition())
        {
            await Task.Delay(20, timeout.Token);
        }
    }

    private sealed class RequestCounter
    {
        private int _requests;

        public int Requests => Volatile.Read(ref _requests);

        public void Add() => Interlocked.Increment(ref _requests);
    }

    private sealed class CountingHandler(RequestCounter counter) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            counter.Add();
            return base.SendAsync(request, cancellationToken);
        }
    }

    /// <summary>An application service that hands out workspace tokens (here: the emulator's OAuth endpoint), counting its calls.</summary>
    private sealed class WorkspaceTokenService(LakebaseEmulator emulator, EmulatedPrincipal principal)
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public async ValueTask<LakebaseWorkspaceToken> GetTokenAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            using var http = new HttpClient();
            using var request = new HttpRequestMessage(HttpMethod.Post, emulator.TokenEndpoint)
            {
                Content = new FormUrlEncodedContent([new("grant_type", "client_credentials"), new("scope", "all-apis")]),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{principal.ClientId}:{principal.ClientSecret}")));
            using var response = await http.SendAsync(request, cancellationToken);
            response.EnsureSuccessStatusCode();
            var body = await response.Content.ReadFromJsonAsync<TokenResponse>(cancellationToken);
            return new LakebaseWorkspaceToken(body!.access_token, DateTimeOffset.UtcNow.AddSeconds(body.expires_in));
        }

#pragma warning disable IDE1006, SA1300 // JSON field names
        private sealed record TokenResponse(string access_token, int expires_in);
#pragma warning restore IDE1006, SA1300
    }

    /// <summary>A scoped application service that uses the container's data source, as a repository would.</summary>
    private sealed class UserQuery(LakebaseDataSource dataSource)
    {
        public LakebaseDataSource DataSource => dataSource;

        public async Task<string> CurrentUserAsync(CancellationToken cancellationToken)
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await using var command = new NpgsqlCommand("SELECT current_user", connection);
            return (string)(await command.ExecuteScalarAsync(cancellationToken))!;
        }
    }
}
