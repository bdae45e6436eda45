using Lakebase.Npgsql;
using Lakebase.Npgsql.Diagnostics;
using Lakebase.EntityFrameworkCore.Infrastructure;
using Lakebase.EntityFrameworkCore.Infrastructure.Internal;
using Lakebase.Npgsql.Configuration;
using Npgsql;

namespace Lakebase.EntityFrameworkCore.Tests.Infrastructure;

public sealed class LakebaseConnectionSettingsTests
{
    private const string ClientId = "6f1b1a6e-0000-4000-8000-000000000001";
    private static readonly LakebaseOAuthOptions ServicePrincipal = new() { WorkspaceHost = "adb-1.azuredatabricks.net", ClientId = ClientId, ClientSecret = "s" };

    [Fact]
    public void Defaults_are_lakebase_defaults_and_the_user_is_the_client_id()
    {
        var resolved = LakebaseConnectionSettings.Resolve(new LakebaseSettings(), ServicePrincipal, _ => null);
        Assert.Null(resolved.Host);
        Assert.Equal(5432, resolved.Port);
        Assert.Equal("databricks_postgres", resolved.Database);
        Assert.Equal(ClientId, resolved.Username);
        Assert.Equal(SslMode.VerifyFull, resolved.SslMode);

        var csb = resolved.ToConnectionStringBuilder("ep-1.database.cloud.databricks.com", new LakebaseSettings());
        Assert.Equal(45 * 60, csb.ConnectionLifetime);
        Assert.Equal(60, csb.ConnectionIdleLifetime);
        Assert.Equal(30, csb.Timeout);
        Assert.True(csb.TcpKeepAlive);
        Assert.Null(csb.Password);
    }

    [Fact]
    public void Unset_values_come_from_the_pg_variables_databricks_apps_inject()
    {
        var env = new Dictionary<string, string> { ["PGHOST"] = "ep-1.database.cloud.databricks.com", ["PGPORT"] = "6543", ["PGDATABASE"] = "app", ["PGSSLMODE"] = "verify-full", ["PGAPPNAME"] = "todo" };
        var resolved = LakebaseConnectionSettings.Resolve(new LakebaseSettings(), ServicePrincipal, n => env.GetValueOrDefault(n));
        Assert.Equal(("ep-1.database.cloud.databricks.com", 6543, "app", SslMode.VerifyFull, "todo"), (resolved.Host, resolved.Port, resolved.Database, resolved.SslMode, resolved.ApplicationName));

        var explicitHost = new LakebaseSettings { Host = "other" };
        Assert.Equal("other", LakebaseConnectionSettings.Resolve(explicitHost, ServicePrincipal, n => env.GetValueOrDefault(n)).Host);
        Assert.Null(LakebaseConnectionSettings.Resolve(new LakebaseSettings { ReadEnvironment = false }, ServicePrincipal, n => env.GetValueOrDefault(n)).Host);
    }

    [Fact]
    public void A_user_name_other_than_the_client_id_is_refused_with_the_fix()
    {
        var error = Assert.Throws<LakebaseConfigurationException>(() =>
            LakebaseConnectionSettings.Resolve(new LakebaseSettings { Username = "My Todo App" }, ServicePrincipal, _ => null));
        Assert.Contains("not the service principal's client id", error.Message);
        Assert.Contains(ClientId, error.Message);
    }

    [Fact]
    public void A_personal_access_tokens_user_is_looked_up_later_unless_PGUSER_names_it()
    {
        var pat = new LakebaseOAuthOptions { WorkspaceHost = "adb-1.azuredatabricks.net", Token = "dapi" };
        Assert.Null(LakebaseConnectionSettings.Resolve(new LakebaseSettings(), pat, _ => null).Username);
        Assert.Equal("me@example.com", LakebaseConnectionSettings.Resolve(new LakebaseSettings(), pat, n => n == "PGUSER" ? "me@example.com" : null).Username);
    }

    [Theory]
    [InlineData("PGSSLMODE", "disable", "without TLS")]
    [InlineData("PGSSLMODE", "sometimes", "not an SSL mode")]
    [InlineData("PGPORT", "port", "not a port number")]
    public void Bad_environment_values_are_named_in_the_error(string variable, string value, string expected)
    {
        var error = Assert.Throws<LakebaseConfigurationException>(() =>
            LakebaseConnectionSettings.Resolve(new LakebaseSettings(), ServicePrincipal, n => n == variable ? value : null));
        Assert.Contains(expected, error.Message);
    }
}
