using Lakebase.Npgsql;
using Lakebase.Npgsql.Diagnostics;
using Lakebase.EntityFrameworkCore.Infrastructure;
using Lakebase.TestUtilities;

namespace Lakebase.EntityFrameworkCore.Tests.Infrastructure;

public sealed class LakebaseOAuthOptionsTests
{
    private const string Secret = "dose-secret-value-7f3a";
    private const string Pat = "dapi-personal-token-9c1e";

    [Fact]
    public void From_environment_reads_the_databricks_variables()
    {
        var options = LakebaseOAuthOptions.FromEnvironment(Variables(new()
        {
            ["DATABRICKS_HOST"] = "https://adb-1.2.azuredatabricks.net",
            ["DATABRICKS_CLIENT_ID"] = "6f1b1a6e-0000-4000-8000-000000000001",
            ["DATABRICKS_CLIENT_SECRET"] = Secret,
        }));

        Assert.Equal(LakebaseAuthenticationMethod.ServicePrincipal, options.Method);
        Assert.Equal(new Uri("https://adb-1.2.azuredatabricks.net/"), options.Validate());
    }

    [Fact]
    public void From_environment_falls_back_to_the_databricks_config_file_profile()
    {
        var file = Path.Combine(Path.GetTempPath(), $"databrickscfg-{Guid.NewGuid():N}");
        File.WriteAllText(file, "[DEFAULT]\nhost = https://default.cloud.databricks.com\ntoken = other\n\n[dev]\nhost = dev.cloud.databricks.com\ntoken = " + Pat + "\n");
        try
        {
            var options = LakebaseOAuthOptions.FromEnvironment(Variables(new()
            {
                ["DATABRICKS_CONFIG_FILE"] = file,
                ["DATABRICKS_CONFIG_PROFILE"] = "dev",
            }));

            Assert.Equal(LakebaseAuthenticationMethod.BearerToken, options.Method);
            Assert.Equal(Pat, options.Token);
            Assert.Equal(new Uri("https://dev.cloud.databricks.com/"), options.Validate());
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Missing_values_are_all_reported_with_the_variable_to_set()
    {
        var error = Assert.Throws<LakebaseConfigurationException>(() => new LakebaseOAuthOptions().Validate());
        Assert.Contains("DATABRICKS_HOST", error.Message);
        Assert.Contains("DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET", error.Message);
    }

    [Fact]
    public void Two_authentication_methods_at_once_is_an_error_that_says_which_to_unset_without_showing_them()
    {
        var options = new LakebaseOAuthOptions { WorkspaceHost = "adb-1.azuredatabricks.net", ClientId = "id", ClientSecret = Secret, Token = Pat };
        var error = Assert.Throws<LakebaseConfigurationException>(() => options.Validate());
        Assert.Contains("More than one authentication method", error.Message);
        SecretAssert.DoesNotLeak(error.Message, ("client secret", Secret), ("personal access token", Pat));
    }

    [Fact]
    public void Plain_http_is_refused_for_a_remote_workspace_but_allowed_for_a_local_emulator()
    {
        var remote = new LakebaseOAuthOptions { WorkspaceHost = "http://adb-1.azuredatabricks.net", Token = Pat };
        Assert.Contains("use https://", Assert.Throws<LakebaseConfigurationException>(() => remote.Validate()).Message);

        var local = new LakebaseOAuthOptions { WorkspaceHost = "http://127.0.0.1:8080", Token = Pat };
        Assert.Equal(new Uri("http://127.0.0.1:8080/"), local.Validate());
    }

    [Fact]
    public void ToString_hides_every_secret()
    {
        var options = new LakebaseOAuthOptions { WorkspaceHost = "adb-1.azuredatabricks.net", ClientId = "id", ClientSecret = Secret, Token = Pat };
        var text = options.ToString();
        SecretAssert.DoesNotLeak(text, ("client secret", Secret), ("personal access token", Pat));
        Assert.Contains("ClientSecret = ***", text);

        var token = new LakebaseWorkspaceToken(Pat, null);
        SecretAssert.DoesNotLeak(token.ToString(), ("workspace token", Pat));
    }

    private static Func<string, string?> Variables(Dictionary<string, string> values) =>
        name => values.TryGetValue(name, out var value) ? value : null;
}
