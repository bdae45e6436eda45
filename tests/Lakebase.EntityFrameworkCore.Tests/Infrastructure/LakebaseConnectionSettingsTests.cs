using Lakebase.Npgsql;
using Lakebase.TestUtilities;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Lakebase.EntityFrameworkCore.Tests.Infrastructure;

/// <summary>How connection values resolve, seen through the public definition a builder resolves (what EF builds on).</summary>
public sealed class LakebaseConnectionSettingsTests
{
    private const string Endpoint = "projects/p/branches/b/endpoints/ep-1";
    private const string ClientId = "6f1b1a6e-0000-4000-8000-000000000001";
    private static readonly LakebaseOAuthOptions ServicePrincipal = new() { WorkspaceHost = "adb-1.azuredatabricks.net", ClientId = ClientId, ClientSecret = "s" };

    [Fact]
    public void Defaults_are_lakebase_defaults_and_the_user_is_the_client_id()
    {
        var resolved = Resolve(ServicePrincipal, new Dictionary<string, string?>());
        Assert.Null(resolved.Host);
        Assert.Equal(5432, resolved.Port);
        Assert.Equal("databricks_postgres", resolved.Database);
        Assert.Equal(ClientId, resolved.Username);
        Assert.Equal(SslMode.VerifyFull, resolved.SslMode);
        Assert.Equal(TimeSpan.FromSeconds(30), resolved.ConnectTimeout);

        using var dataSource = Builder(ServicePrincipal, new Dictionary<string, string?>()).Host("ep-1.database.cloud.databricks.com").Build();
        var csb = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
        Assert.Equal(45 * 60, csb.ConnectionLifetime);
        Assert.Equal(60, csb.ConnectionIdleLifetime);
        Assert.Equal(30, csb.Timeout);
        Assert.True(csb.TcpKeepAlive);
        Assert.Equal(30, csb.CommandTimeout);
        Assert.Null(csb.Password);
    }

    [Fact]
    public void A_command_timeout_set_in_code_or_configuration_reaches_the_connection_string()
    {
        using var fromCode = Builder(ServicePrincipal, new Dictionary<string, string?>()).Host("h").CommandTimeout(TimeSpan.FromSeconds(90)).Build();
        Assert.Equal(90, new NpgsqlConnectionStringBuilder(fromCode.ConnectionString).CommandTimeout);

        var bound = new LakebaseOptions();
        bound.Connection.CommandTimeout = TimeSpan.FromSeconds(-1);
        bound.Connection.ReadEnvironment = false;
        bound.Endpoint = Endpoint;
        var error = Assert.Throws<LakebaseConfigurationException>(() => LakebaseDataSourceBuilder.FromOptions(bound).Resolve());
        Assert.Contains("CommandTimeout", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unset_values_come_from_the_pg_variables_databricks_apps_inject()
    {
        var env = new Dictionary<string, string?> { ["PGHOST"] = "ep-1.database.cloud.databricks.com", ["PGPORT"] = "6543", ["PGDATABASE"] = "app", ["PGSSLMODE"] = "verify-full", ["PGAPPNAME"] = "todo" };
        var resolved = Resolve(ServicePrincipal, env);
        Assert.Equal(("ep-1.database.cloud.databricks.com", 6543, "app", SslMode.VerifyFull), (resolved.Host, resolved.Port, resolved.Database, resolved.SslMode));
        Assert.Contains("server=ep-1.database.cloud.databricks.com:6543/app", resolved.ToString(), StringComparison.Ordinal);

        Assert.Equal("other", Builder(ServicePrincipal, env).Host("other").Resolve().Host);
        Assert.Null(Builder(ServicePrincipal, env).ReadEnvironment(false).Resolve().Host);
    }

    [Fact]
    public void The_host_and_database_the_environment_gives_for_another_endpoint_are_not_used()
    {
        // A Databricks App with two database resources: PG* describe the first, the one LAKEBASE_ENDPOINT names. A data
        // source for the second must not log in there (the token is good on both): it looks its own host up.
        const string Orders = "projects/p/branches/b/endpoints/orders";
        var env = new Dictionary<string, string?> { ["LAKEBASE_ENDPOINT"] = Orders, ["PGHOST"] = "ep-orders.database.cloud.databricks.com", ["PGDATABASE"] = "orders", ["PGPORT"] = "6543" };

        var other = Resolve(ServicePrincipal, env);
        Assert.Equal((null, "databricks_postgres", 6543), (other.Host, other.Database, other.Port));
        Assert.Contains("server=(looked up on first open):6543/databricks_postgres", other.ToString(), StringComparison.Ordinal);

        // Said when the data source is built (no network call), so a missing Database is not a mystery later.
        var logs = new CapturingLoggerProvider();
        using (var loggerFactory = LoggerFactory.Create(b => b.AddProvider(logs)))
        using (Builder(ServicePrincipal, env).UseLoggerFactory(loggerFactory).Build())
        {
            var warning = Assert.Single(logs.Entries, e => e.EventId.Name == "DatabaseVariablesOfAnotherEndpoint");
            Assert.Contains($"they belong to {Orders}", warning.Message, StringComparison.Ordinal);
        }

        var named = new LakebaseDataSourceBuilder(Orders, ServicePrincipal).UseConfiguration(VariablesConfiguration.From(env)).Resolve();
        Assert.Equal(("ep-orders.database.cloud.databricks.com", "orders"), (named.Host, named.Database));
        var set = Builder(ServicePrincipal, env).Host("h").Database("d").Resolve();
        Assert.Equal(("h", "d"), (set.Host, set.Database));
    }

    [Fact]
    public void Options_built_alike_with_read_only_endpoints_are_equal_so_UseLakebase_resolves_them_once()
    {
        // UseLakebase(endpoint, oauth, l => l.ReadOnlyEndpoint(...)) builds new options, with a new array, for every
        // context: compared by reference they never matched, and every DbContext read configuration again.
        static LakebaseConnectionOptions Built() => new() { ReadOnlyEndpoints = ["projects/p/branches/b/endpoints/replica"], ReadOnlyHosts = ["ro.example"] };
        Assert.Equal(Built(), Built());
        Assert.Equal(Built().GetHashCode(), Built().GetHashCode());
        Assert.NotEqual(Built(), Built() with { ReadOnlyHosts = ["other.example"] });
        Assert.NotEqual(Built(), Built() with { ReadOnlyEndpoints = null });
    }

    [Fact]
    public void A_user_name_other_than_the_client_id_is_refused_with_the_fix()
    {
        var error = Assert.Throws<LakebaseConfigurationException>(() => Builder(ServicePrincipal, new Dictionary<string, string?>()).Username("My Todo App").Resolve());
        Assert.Contains("not the service principal's client id", error.Message);
        Assert.Contains(ClientId, error.Message);
    }

    [Fact]
    public void A_personal_access_tokens_user_is_looked_up_later_unless_PGUSER_names_it()
    {
        var pat = new LakebaseOAuthOptions { WorkspaceHost = "adb-1.azuredatabricks.net", Token = "dapi" };
        Assert.Null(Resolve(pat, new Dictionary<string, string?>()).Username);
        Assert.Equal("me@example.com", Resolve(pat, new Dictionary<string, string?> { ["PGUSER"] = "me@example.com" }).Username);
    }

    [Theory]
    [InlineData("PGSSLMODE", "disable", "without TLS")]
    [InlineData("PGSSLMODE", "sometimes", "not an SSL mode")]
    [InlineData("PGPORT", "port", "not a port number")]
    public void Bad_environment_values_are_named_in_the_error(string variable, string value, string expected)
    {
        var error = Assert.Throws<LakebaseConfigurationException>(() => Resolve(ServicePrincipal, new Dictionary<string, string?> { [variable] = value }));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Equal_inputs_resolve_to_equal_definitions_and_a_different_secret_does_not()
    {
        var env = new Dictionary<string, string?>();
        Assert.Equal(Resolve(ServicePrincipal, env), Resolve(ServicePrincipal with { }, env));
        Assert.NotEqual(Resolve(ServicePrincipal, env), Resolve(ServicePrincipal with { ClientSecret = "other" }, env));
    }

    [Fact]
    public void An_idle_lifetime_npgsql_would_refuse_on_the_first_open_is_refused_while_configuring()
    {
        var error = Assert.Throws<LakebaseConfigurationException>(() => Builder(ServicePrincipal, new Dictionary<string, string?>()).ConnectionIdleLifetime(TimeSpan.FromSeconds(1)).Resolve());
        Assert.Contains("ConnectionIdleLifetime", error.Message, StringComparison.Ordinal);
        Assert.Contains("00:00:10", error.Message, StringComparison.Ordinal);
    }

    private static LakebaseDataSourceBuilder Builder(LakebaseOAuthOptions oauth, IReadOnlyDictionary<string, string?> environment) =>
        new LakebaseDataSourceBuilder(Endpoint, oauth).UseConfiguration(VariablesConfiguration.From(environment));

    private static LakebaseDataSourceDefinition Resolve(LakebaseOAuthOptions oauth, IReadOnlyDictionary<string, string?> environment) =>
        Builder(oauth, environment).Resolve();
}
