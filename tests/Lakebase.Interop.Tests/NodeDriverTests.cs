using Lakebase.TestUtilities;

namespace Lakebase.Interop.Tests;

/// <summary>Databricks' Node driver (@databricks/lakebase 0.6.0), unchanged, against the emulator's printed environment.</summary>
[Collection(InteropCollection.Name)]
public sealed class NodeDriverTests(InteropEmulatorFixture fixture, ITestOutputHelper output)
{
    private LakebaseEmulator Emulator => fixture.Emulator;

    [Fact]
    public async Task Service_principal_connects_with_verified_tls_and_runs_50_concurrent_queries()
    {
        var principal = fixture.ServicePrincipal;
        var mintedBefore = Emulator.Counters.CredentialsMintedFor(principal.ClientId);
        var env = new Dictionary<string, string>(Emulator.GetEnvironmentVariables(principal)) { ["NODE_EXTRA_CA_CERTS"] = Emulator.CaCertificatePath };

        var (process, json) = await NodeDriver.RunInteropAsync(env);
        output.WriteLine(json.ToJsonString());

        Assert.Equal(0, process.ExitCode);
        Assert.Equal(principal.ClientId, json["current_user"]!.GetValue<string>());
        Assert.Equal("databricks_postgres", json["current_database"]!.GetValue<string>());
        Assert.Equal(50, json["succeeded"]!.GetValue<int>());
        Assert.True(json["all_connections_verified"]!.GetValue<bool>());
        Assert.True(Emulator.Counters.CredentialsMintedFor(principal.ClientId) > mintedBefore, "the driver did not use the credential API");
        AssertNoSecrets(process, principal);
    }

    [Fact]
    public async Task User_with_a_pat_is_named_by_the_workspace()
    {
        var user = fixture.User;

        // A human's environment: a PAT, no client id and no PGUSER, so the driver asks SCIM Me who it is.
        var env = new Dictionary<string, string>(Emulator.GetEnvironmentVariables(user)) { ["NODE_EXTRA_CA_CERTS"] = Emulator.CaCertificatePath };
        env.Remove("PGUSER");
        env.Remove("DATABRICKS_CLIENT_ID");
        Assert.Equal(user.PersonalAccessToken, env["DATABRICKS_TOKEN"]);

        var (process, json) = await NodeDriver.RunInteropAsync(env, "--lookup-user");
        output.WriteLine(json.ToJsonString());

        Assert.Equal(0, process.ExitCode);
        Assert.Equal(InteropEmulatorFixture.UserEmail, json["lookup_user"]!.GetValue<string>());
        Assert.Equal(InteropEmulatorFixture.UserEmail, json["current_user"]!.GetValue<string>());
        Assert.Equal(50, json["succeeded"]!.GetValue<int>());
        AssertNoSecrets(process, user);
    }

    [Fact]
    public async Task Without_the_emulator_ca_the_driver_refuses_the_server()
    {
        var principal = fixture.ServicePrincipal;
        var acceptedBefore = Emulator.Counters.LoginsAccepted;
        var env = new Dictionary<string, string>(Emulator.GetEnvironmentVariables(principal));

        var (process, json) = await NodeDriver.RunInteropAsync(env);
        output.WriteLine(json.ToJsonString());

        Assert.Equal(1, process.ExitCode);
        Assert.Equal("UNABLE_TO_VERIFY_LEAF_SIGNATURE", json["code"]?.GetValue<string>());
        Assert.Equal(acceptedBefore, Emulator.Counters.LoginsAccepted);
        AssertNoSecrets(process, principal);
    }

    private static void AssertNoSecrets(ProcessRunner.Result process, EmulatedPrincipal principal) =>
        SecretAssert.DoesNotLeak(process.Output,
            ("client secret", principal.ClientSecret), ("personal access token", principal.PersonalAccessToken),
            ("database token", "lbdb_"), ("workspace token", "lbws_"));
}
