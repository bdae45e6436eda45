using Lakebase.EntityFrameworkCore.Infrastructure;
using Lakebase.Npgsql;
using Lakebase.EntityFrameworkCore.Infrastructure.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Lakebase.EntityFrameworkCore.Tests.Infrastructure;

/// <summary>
/// One pool per configuration, never one pool for two identities (unlike a cache keyed on the connection string,
/// efcore.pg#3513). Building options contacts nothing, so no server is needed here.
/// </summary>
public sealed class DataSourceSharingTests
{
    private const string Endpoint = "projects/p/branches/b/endpoints/ep-sharing-test";
    private static readonly string ClientId = Guid.NewGuid().ToString();

    [Fact]
    public void Equal_configurations_share_one_data_source_even_from_new_option_objects()
    {
        var first = DataSourceFor(Oauth("secret-1"));
        var second = DataSourceFor(Oauth("secret-1"));
        Assert.Same(first, second);
    }

    [Fact]
    public void A_different_secret_user_or_database_never_shares_a_data_source()
    {
        var baseline = DataSourceFor(Oauth("secret-1"));
        Assert.NotSame(baseline, DataSourceFor(Oauth("secret-2")));
        Assert.NotSame(baseline, DataSourceFor(Oauth("secret-1", clientId: Guid.NewGuid().ToString())));
        Assert.NotSame(baseline, DataSourceFor(Oauth("secret-1"), lb => lb.Database("other")));
    }

    [Fact]
    public void Data_source_callbacks_closing_over_different_values_get_different_data_sources()
    {
        var tenantA = DataSourceFor(Oauth("secret-1"), lb => lb.ConfigureDataSource(SearchPath("tenant_a")));
        var tenantB = DataSourceFor(Oauth("secret-1"), lb => lb.ConfigureDataSource(SearchPath("tenant_b")));
        Assert.NotSame(tenantA, tenantB);
        Assert.Equal("tenant_b", new NpgsqlConnectionStringBuilder(tenantB.ConnectionString).SearchPath);

        static Action<NpgsqlDataSourceBuilder> SearchPath(string schema) => b => b.ConnectionStringBuilder.SearchPath = schema;
    }

    [Fact]
    public void The_provider_options_callback_does_not_split_the_pool()
    {
        var suffix = Guid.NewGuid().ToString("N");
        var first = DataSourceFor(Oauth("secret-1"), lb => lb.Npgsql(n => n.MigrationsAssembly("A" + suffix)));
        var second = DataSourceFor(Oauth("secret-1"), lb => lb.Npgsql(n => n.CommandTimeout(5)));
        Assert.Same(first, second);
    }

    [Fact]
    public void A_token_provider_lambda_capturing_each_requests_services_stops_at_a_bounded_number_of_pools_with_the_fix_named()
    {
        // The pattern a new user writes: AddDbContext((sp, o) => o.UseLakebase(endpoint, new() { TokenProvider = ct => sp...GetAsync(ct) })).
        // Each scope's lambda is a new delegate instance over another provider, so each would describe a new data source.
        var endpoint = $"projects/p/branches/b/endpoints/ep-{Guid.NewGuid():N}";
        var services = new ServiceCollection().AddSingleton<ScopedTokens>();
        services.AddDbContext<DbContext>((sp, o) => o.UseLakebase(
            endpoint,
            new LakebaseOAuthOptions { WorkspaceHost = "https://adb-1.azuredatabricks.net", TokenProvider = ct => sp.GetRequiredService<ScopedTokens>().GetAsync(ct) },
            lb => lb.Host("ep-sharing-test.database.example.com").Username("app").ReadEnvironment(false)));
        using var root = services.BuildServiceProvider();

        var dataSources = new HashSet<LakebaseDataSource>(ReferenceEqualityComparer.Instance);
        LakebaseConfigurationException? error = null;
        for (var request = 0; request < 200 && error is null; request++)
        {
            using var scope = root.CreateScope();
            try
            {
                var options = scope.ServiceProvider.GetRequiredService<DbContextOptions<DbContext>>();
                dataSources.Add(options.FindExtension<LakebaseOptionsExtension>()!.DataSource);
            }
            catch (LakebaseConfigurationException e)
            {
                error = e;
            }
        }

        Assert.Equal(LakebaseDataSourceRegistry.MaxTwins, dataSources.Count); // bounded, not one pool per request
        Assert.NotNull(error);
        Assert.Contains("AddLakebaseDataSource", error.Message, StringComparison.Ordinal);
        Assert.Contains("UseLakebase()", error.Message, StringComparison.Ordinal);
    }

    private sealed class ScopedTokens
    {
        public ValueTask<LakebaseWorkspaceToken> GetAsync(CancellationToken cancellationToken) =>
            throw new InvalidOperationException("Building options must not ask for a token.");
    }

    private static LakebaseOAuthOptions Oauth(string secret, string? clientId = null) =>
        new() { WorkspaceHost = "https://adb-1.azuredatabricks.net", ClientId = clientId ?? ClientId, ClientSecret = secret };

    private static NpgsqlDataSource DataSourceFor(LakebaseOAuthOptions oauth, Action<LakebaseDbContextOptionsBuilder>? configure = null)
    {
        var options = new DbContextOptionsBuilder()
            .UseLakebase(Endpoint, oauth, lb =>
            {
                lb.Host("ep-sharing-test.database.example.com").ReadEnvironment(false);
                configure?.Invoke(lb);
            })
            .Options;
        return options.FindExtension<LakebaseOptionsExtension>()!.DataSource.NpgsqlDataSource;
    }
}
