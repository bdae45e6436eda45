using Lakebase.Npgsql.Authentication;
using Lakebase.TestUtilities;
using Lakebase.Npgsql.Configuration;

namespace Lakebase.Npgsql.Tests.Authentication;

/// <summary>.databrickscfg as the SDKs read it (databricks-sdk-go config/config_file.go, databricks-sdk-py config.py _known_file_config_loader).</summary>
public sealed class ConfigFileTests : IDisposable
{
    private const string TokenA = "dapi0123456789abcdef0123456789abcdef";
    private readonly string _home = AuthEmulatorFixture.TempDirectory();

    [Fact]
    public void Values_may_be_quoted_and_a_hash_starts_a_comment_only_after_a_space()
    {
        // Go SDK: ini.LoadOptions{SpaceBeforeInlineComment: true} ("passwords may contain '#'"); ini.v1 drops surrounding quotes.
        var file = DatabricksConfigFile.Parse("cfg", "[DEFAULT]\nhost = \"https://a.cloud.databricks.com\"\ntoken = 'x#y;z' # comment\nclient_secret = p#ss ; trailing\n");
        var profile = file.Profile("DEFAULT")!;
        Assert.Equal("https://a.cloud.databricks.com", profile["host"]);
        Assert.Equal("x#y;z", profile["token"]);
        Assert.Equal("p#ss", profile["client_secret"]);
    }

    [Fact]
    public void Profile_names_are_case_sensitive_and_a_missing_named_profile_is_an_error()
    {
        // Go SDK resolveProfile/Configure: "%s has no %s profile configured" for a named profile; DEFAULT fallback is silent.
        Write("[Dev]\nhost = https://dev.cloud.databricks.com\ntoken = " + TokenA + "\n");
        var options = LakebaseOAuthOptions.FromEnvironment(Env(("DATABRICKS_CONFIG_PROFILE", "dev")));
        var error = Assert.Throws<LakebaseConfigurationException>(() => options.Validate());
        Assert.Contains("has no dev profile configured", error.Message);
        Assert.Contains("Dev", error.Message);
        SecretAssert.DoesNotLeak(error.Message, ("token", TokenA));

        Assert.Equal(TokenA, LakebaseOAuthOptions.FromEnvironment(Env(("DATABRICKS_CONFIG_PROFILE", "Dev"))).Token);
        Assert.Null(LakebaseOAuthOptions.FromEnvironment(Env()).ConfigurationProblem); // no DEFAULT: not an error
    }

    [Fact]
    public void Tilde_is_expanded_in_DATABRICKS_CONFIG_FILE()
    {
        // Go SDK LoadFile: "Expand ~ to home directory"; Python: pathlib.Path(config_file).expanduser().
        File.WriteAllText(Path.Combine(_home, "other.cfg"), "[DEFAULT]\nhost = https://a.cloud.databricks.com\ntoken = " + TokenA + "\n");
        var options = LakebaseOAuthOptions.FromEnvironment(Env(("DATABRICKS_CONFIG_FILE", "~/other.cfg")));
        Assert.Equal(TokenA, options.Token);
    }

    [Fact]
    public void With_DATABRICKS_HOST_and_no_profile_another_hosts_DEFAULT_profile_is_not_read()
    {
        // Go SDK configFileLoader.Configure: skipped when cfg.Profile == "" and (auth configured || host set).
        Write("[DEFAULT]\nhost = https://a.cloud.databricks.com\ntoken = " + TokenA + "\n");
        var options = LakebaseOAuthOptions.FromEnvironment(Env(("DATABRICKS_HOST", "https://b.cloud.databricks.com")));
        Assert.Null(options.Token);
        Assert.Equal("https://b.cloud.databricks.com", options.WorkspaceHost);
    }

    [Fact]
    public void A_named_profile_for_another_host_than_DATABRICKS_HOST_is_refused()
    {
        // Stricter than the SDKs (which would mix B's host with A's token): a token only goes to its own workspace.
        Write("[a]\nhost = https://a.cloud.databricks.com\ntoken = " + TokenA + "\n");
        var options = LakebaseOAuthOptions.FromEnvironment(Env(("DATABRICKS_HOST", "https://b.cloud.databricks.com"), ("DATABRICKS_CONFIG_PROFILE", "a")));
        Assert.Null(options.Token);
        var error = Assert.Throws<LakebaseConfigurationException>(() => options.Validate());
        Assert.Contains("never sent to another workspace", error.Message);
        SecretAssert.DoesNotLeak(error.Message, ("token", TokenA));
    }

    [Fact]
    public void The_settings_sections_default_profile_is_used_when_none_is_named()
    {
        // Go SDK resolveProfile: [__settings__] default_profile, else DEFAULT.
        Write("[__settings__]\ndefault_profile = work\n\n[DEFAULT]\nhost = https://x.cloud.databricks.com\n\n[work]\nhost = https://w.cloud.databricks.com\ntoken = " + TokenA + "\n");
        var options = LakebaseOAuthOptions.FromEnvironment(Env());
        Assert.Equal("https://w.cloud.databricks.com", options.WorkspaceHost);
        Assert.Equal("work", options.Profile);
    }

    [Fact]
    public void Environment_values_win_over_the_profile_and_auth_type_comes_from_the_profile()
    {
        // Python Config: _load_from_env before _known_file_config_loader, which skips keys already set.
        Write("[p]\nhost = https://p.cloud.databricks.com\nauth_type = databricks-cli\ndatabricks_cli_path = /opt/databricks\n");
        var options = LakebaseOAuthOptions.FromEnvironment(Env(("DATABRICKS_CONFIG_PROFILE", "p"), ("DATABRICKS_CLI_PATH", "/usr/bin/databricks")));
        Assert.Equal("databricks-cli", options.AuthType);
        Assert.Equal("/usr/bin/databricks", options.DatabricksCliPath);
    }

    public void Dispose() => Directory.Delete(_home, recursive: true);

    private void Write(string text) => File.WriteAllText(Path.Combine(_home, ".databrickscfg"), text);

    private Func<string, string?> Env(params (string Name, string? Value)[] variables) => AuthEmulatorFixture.Environment(_home, variables);
}
