using Lakebase.Npgsql.Tests.Authentication;
using Lakebase.TestUtilities;

namespace Lakebase.Npgsql.Tests.Security;

/// <summary>
/// A user name or password in the workspace URL would reach logs, messages and the Databricks CLI's --host argument
/// (which process listings show): it is refused when the options are checked, and the message does not repeat it.
/// </summary>
public sealed class WorkspaceUserInfoTests : IDisposable
{
    private const string Password = "s3cr3t-Pa55word-9f2e";
    private const string ClientSecret = "dose0123456789abcdef0123456789abcdef01";
    private const string Refused = "contains a user name or password";
    private readonly string _home = AuthEmulatorFixture.TempDirectory();

    public static TheoryData<string> HostsWithUserInfo() =>
    [
        "https://admin:" + Password + "@adb-1234567890123456.7.azuredatabricks.net",
        "admin:" + Password + "@adb-1234567890123456.7.azuredatabricks.net",
        "https://" + Password + "@adb-1234567890123456.7.azuredatabricks.net/",
        "https://admin:" + Password + "/x#y@adb-1234567890123456.7.azuredatabricks.net",
    ];

    [Theory]
    [MemberData(nameof(HostsWithUserInfo))]
    public void User_info_in_DATABRICKS_HOST_is_refused_by_a_problem_that_does_not_repeat_it(string host)
    {
        var error = Assert.Throws<LakebaseConfigurationException>(() => Plan(host));

        var problem = Assert.Single(error.Message.Split(Environment.NewLine), line => line.Contains(Refused, StringComparison.Ordinal));
        Assert.Contains("WorkspaceHost '", problem, StringComparison.Ordinal);
        Assert.Contains("***@adb-1234567890123456.7.azuredatabricks.net", problem, StringComparison.Ordinal);
        Assert.Contains("DATABRICKS_CLIENT_SECRET", problem, StringComparison.Ordinal);
        SecretAssert.DoesNotLeak(problem, ("password in the workspace URL", Password), ("client secret", ClientSecret));
    }

    [Theory]
    [MemberData(nameof(HostsWithUserInfo))]
    public void The_whole_configuration_error_does_not_repeat_user_info(string host)
    {
        // Refusing the host leaves every method without one, so "No credentials for the Databricks workspace <host>"
        // follows the refusal in the same message: it must not quote the raw host either.
        var error = Assert.Throws<LakebaseConfigurationException>(() => Plan(host));
        SecretAssert.DoesNotLeak(error.ToString(), ("password in the workspace URL", Password), ("client secret", ClientSecret));
    }

    [Fact]
    public void User_info_in_the_options_stops_the_data_source_from_being_built()
    {
        var oauth = new LakebaseOAuthOptions
        {
            WorkspaceHost = "https://token:" + Password + "@adb-1234567890123456.7.azuredatabricks.net",
            ClientId = "6f1c3a52-9d1e-4c7b-8a3e-2b9f0d4e5a61",
            ClientSecret = ClientSecret,
        };
        var builder = new LakebaseDataSourceBuilder("projects/p/branches/b/endpoints/e", oauth).Host("127.0.0.1").ReadEnvironment(false);
        builder.UseConfiguration(new VariablesConfiguration(AuthEmulatorFixture.Environment(_home)));

        var error = Assert.Throws<LakebaseConfigurationException>(() => builder.Build());

        Assert.Contains("WorkspaceHost 'https://***@adb-1234567890123456.7.azuredatabricks.net' " + Refused, error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_home, recursive: true);

    /// <summary>What validating the options does: DATABRICKS_HOST with a service principal's id and secret.</summary>
    private void Plan(string host)
    {
        var env = AuthEmulatorFixture.Environment(_home,
            ("DATABRICKS_HOST", host), ("DATABRICKS_CLIENT_ID", "6f1c3a52-9d1e-4c7b-8a3e-2b9f0d4e5a61"), ("DATABRICKS_CLIENT_SECRET", ClientSecret));
        LakebaseOAuthOptions.FromEnvironment(env).Plan(env);
    }
}
