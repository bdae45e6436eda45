using Lakebase.EntityFrameworkCore.Infrastructure;
using Lakebase.Npgsql;
using Lakebase.EntityFrameworkCore.Infrastructure.Internal;
using Lakebase.Npgsql.Configuration;
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
