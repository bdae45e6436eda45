using Lakebase.TestUtilities;

namespace Lakebase.Npgsql.Tests.Authentication;

/// <summary>Which method the plugin chooses, checked against the SDK rules (databricks-sdk-go config/auth_default.go, databricks-sdk-py credentials_provider.py / config.py).</summary>
public sealed class ChainSelectionTests : IDisposable
{
    private const string Secret = "dose0123456789abcdef0123456789abcd";
    private const string Pat = "dapi0123456789abcdef0123456789abcdef";
    private readonly string _home = AuthEmulatorFixture.TempDirectory();

    [Fact]
    public void Without_auth_type_the_candidates_follow_the_go_sdks_default_order()
    {
        // auth_default.go DefaultCredentials: pat, basic, oauth-m2m, databricks-cli, metadata-service, github-oidc, ...,
        // azure-msi, azure-client-secret, azure-cli. A CLI on PATH makes databricks-cli a candidate behind the PAT.
        AuthEmulatorFixture.WriteFakeDatabricksCli(_home, "unused", padToCliSize: true);
        var env = Env(("DATABRICKS_HOST", "https://adb-1.2.azuredatabricks.net"), ("DATABRICKS_TOKEN", Pat), ("PATH", _home));
        AuthEmulatorFixture.WriteScript(_home, "az", "exit 1");
        var plan = LakebaseOAuthOptions.FromEnvironment(env).Plan(env);
        Assert.Equal(["pat", "databricks-cli", "azure-cli"], plan.Candidates.Select(c => c.Name));
    }

    [Fact]
    public void A_legacy_cli_on_PATH_under_one_MiB_is_skipped()
    {
        // databricks-sdk-py DatabricksCliTokenSource._find_executable: "The new Databricks CLI is a single binary with size > 1MB".
        AuthEmulatorFixture.WriteFakeDatabricksCli(_home, "unused");
        var env = Env(("DATABRICKS_HOST", "https://a.cloud.databricks.com"), ("PATH", _home));
        var error = Assert.Throws<LakebaseConfigurationException>(() => LakebaseOAuthOptions.FromEnvironment(env).Plan(env));
        Assert.Contains("legacy Databricks CLI", error.Message);
    }

    [Fact]
    public void Auth_type_picks_exactly_one_method_even_when_others_are_configured()
    {
        // auth_default.go credentialsChain.Configure: "If an auth type is specified, try ... that specific auth type";
        // config.py _validate returns early when auth_type is set.
        var cli = AuthEmulatorFixture.WriteFakeDatabricksCli(_home, "unused");
        var env = Env(("DATABRICKS_HOST", "https://a.cloud.databricks.com"), ("DATABRICKS_TOKEN", Pat), ("DATABRICKS_CLIENT_ID", "id"), ("DATABRICKS_CLIENT_SECRET", Secret),
            ("DATABRICKS_AUTH_TYPE", "databricks-cli"), ("DATABRICKS_CLI_PATH", cli));
        var plan = LakebaseOAuthOptions.FromEnvironment(env).Plan(env);
        Assert.Equal("databricks-cli", Assert.Single(plan.Candidates).Name);
    }

    [Fact]
    public void An_unknown_or_unusable_auth_type_is_an_error_naming_the_choices()
    {
        // auth_default.go: "auth type %q not found".
        var env = Env(("DATABRICKS_HOST", "https://a.cloud.databricks.com"), ("DATABRICKS_AUTH_TYPE", "oauth"));
        var error = Assert.Throws<LakebaseConfigurationException>(() => LakebaseOAuthOptions.FromEnvironment(env).Plan(env));
        Assert.Contains("oauth-m2m, databricks-cli", error.Message);

        env = Env(("DATABRICKS_HOST", "https://a.cloud.databricks.com"), ("DATABRICKS_AUTH_TYPE", "oauth-m2m"), ("DATABRICKS_CLIENT_ID", "id"));
        error = Assert.Throws<LakebaseConfigurationException>(() => LakebaseOAuthOptions.FromEnvironment(env).Plan(env));
        Assert.Contains("no client_secret (set DATABRICKS_CLIENT_SECRET)", error.Message);
    }

    [Fact]
    public void Two_kinds_of_credentials_without_auth_type_are_refused()
    {
        // config.py _validate: "more than one authorization method configured: oauth and pat".
        var env = Env(("DATABRICKS_HOST", "https://a.cloud.databricks.com"), ("DATABRICKS_TOKEN", Pat), ("DATABRICKS_CLIENT_ID", "id"), ("DATABRICKS_CLIENT_SECRET", Secret));
        var error = Assert.Throws<LakebaseConfigurationException>(() => LakebaseOAuthOptions.FromEnvironment(env).Plan(env));
        Assert.Contains("oauth and pat", error.Message);
        SecretAssert.DoesNotLeak(error.Message, ("secret", Secret), ("pat", Pat));
    }

    [Fact]
    public void No_credentials_lists_every_method_in_order_with_what_it_lacked_and_no_secret()
    {
        // auth_default.go tries each strategy in order; config.py lists what each requires.
        var env = Env(("DATABRICKS_HOST", "https://adb-1.2.azuredatabricks.net"), ("ARM_CLIENT_SECRET", Secret));
        var error = Assert.Throws<LakebaseConfigurationException>(() => LakebaseOAuthOptions.FromEnvironment(env).Plan(env));
        var names = new[] { "pat", "oauth-m2m", "databricks-cli", "metadata-service", "github-oidc", "env-oidc", "file-oidc", "azure-msi", "azure-client-secret", "azure-cli" };
        var positions = names.Select(n => error.Message.IndexOf($". {n}: ", StringComparison.Ordinal)).ToArray();
        Assert.All(positions, p => Assert.True(p > 0, error.Message));
        Assert.Equal(positions.Order(), positions);
        Assert.Contains("no azure_client_id (ARM_CLIENT_ID)", error.Message);
        Assert.Contains("the Databricks CLI (databricks) is not on PATH", error.Message);
        SecretAssert.DoesNotLeak(error.Message, ("azure secret", Secret));
        Assert.DoesNotContain(Secret, new LakebaseOAuthOptions { AzureClientSecret = Secret }.ToString());
    }

    public void Dispose() => Directory.Delete(_home, recursive: true);

    private Func<string, string?> Env(params (string Name, string? Value)[] variables) => AuthEmulatorFixture.Environment(_home, variables);
}
