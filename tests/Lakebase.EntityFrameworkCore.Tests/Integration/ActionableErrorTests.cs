using Lakebase.Npgsql;
using Lakebase.Npgsql.Diagnostics;
using Lakebase.TestUtilities;
using Microsoft.EntityFrameworkCore;

namespace Lakebase.EntityFrameworkCore.Tests.Integration;

/// <summary>The Databricks troubleshooting table, as errors a person can act on, with no secret in them.</summary>
[Collection(EmulatorCollection.Name)]
public sealed class ActionableErrorTests(EmulatorFixture fixture) : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_wrong_client_secret_says_which_settings_to_check()
    {
        var principal = await fixture.NewPrincipalAsync();
        var wrong = fixture.OAuthFor(principal);
        wrong.ClientSecret = "not-the-secret-0b5e";
        await using var db = fixture.CreateContext(principal, oauth: wrong);

        var error = await Assert.ThrowsAsync<LakebaseCredentialException>(() => db.WhoAmIAsync(Ct));

        Assert.Equal(LakebaseCredentialError.InvalidClient, error.Reason);
        Assert.Contains("invalid_client", error.Message);
        Assert.Contains("DATABRICKS_CLIENT_SECRET", error.Message);
        SecretAssert.DoesNotLeak(error.ToString(), ("client secret", "not-the-secret-0b5e"), ("client secret", principal.ClientSecret));
    }

    [Fact]
    public async Task A_principal_without_workspace_access_is_told_to_enable_the_entitlement()
    {
        var principal = await fixture.NewPrincipalAsync(workspaceAccess: false);
        await using var db = fixture.CreateContext(principal);

        var error = await Assert.ThrowsAsync<LakebaseCredentialException>(() => db.WhoAmIAsync(Ct));

        Assert.Equal(LakebaseCredentialError.PermissionDenied, error.Reason);
        Assert.Contains("Workspace access", error.Message);
        Assert.Contains("workspace-access entitlement", error.Message); // the server's own words are kept
        Assert.Equal(0, fixture.Emulator.Counters.CredentialsMintedFor(principal.ClientId));
    }

    [Fact]
    public async Task An_unknown_endpoint_shows_the_expected_name_format()
    {
        var principal = await fixture.NewPrincipalAsync();
        await using var db = fixture.CreateContext(principal, endpoint: "projects/local/branches/main/endpoints/ep-does-not-exist");
        var requestsBefore = fixture.Emulator.Counters.CredentialRequests;

        var error = await Assert.ThrowsAsync<LakebaseCredentialException>(() => db.WhoAmIAsync(Ct));

        Assert.Equal(LakebaseCredentialError.EndpointNotFound, error.Reason);
        Assert.Contains("projects/<project-id>/branches/<branch-id>/endpoints/<endpoint-id>", error.Message);
        Assert.Contains("ep-does-not-exist", error.Message);
        Assert.Equal(1, fixture.Emulator.Counters.CredentialRequests - requestsBefore); // a 404 is not retried
    }

    [Fact]
    public void A_malformed_endpoint_fails_at_configuration_time()
    {
        var error = Assert.Throws<LakebaseConfigurationException>(() =>
            new DbContextOptionsBuilder<ProbeDb>().UseLakebase("ep-local-emulator", new LakebaseOAuthOptions()));
        Assert.Contains("projects/<project-id>/branches/<branch-id>/endpoints/<endpoint-id>", error.Message);
    }

    [Fact]
    public async Task A_missing_role_is_explained_with_the_sql_that_creates_it()
    {
        var principal = await fixture.NewPrincipalAsync(createRole: false);
        await using var db = fixture.CreateContext(principal, lb => lb.ConfigureDataSource(b => b.ConnectionStringBuilder.Pooling = false));

        var error = await Assert.ThrowsAsync<LakebaseAuthenticationException>(() => db.WhoAmIAsync(Ct));

        Assert.Equal("28000", error.SqlState);
        Assert.Contains($"databricks_create_role('{principal.ClientId}', 'SERVICE_PRINCIPAL')", error.Message);
        Assert.Contains("client id (a UUID)", error.Message);
        Assert.Equal(2, fixture.Emulator.Counters.CredentialsMintedFor(principal.ClientId)); // one forced refresh, then a clear error
        Assert.DoesNotContain("lbdb_", error.ToString(), StringComparison.Ordinal);

        // More opens soon after get the same advice; the forced-refresh budget for credentials that never logged in
        // (a burst of two, then one per 30 s) keeps them from forcing ever more credentials out of the API.
        for (var i = 0; i < 5; i++)
        {
            await Assert.ThrowsAsync<LakebaseAuthenticationException>(() => db.WhoAmIAsync(Ct));
        }

        Assert.Equal(3, fixture.Emulator.Counters.CredentialsMintedFor(principal.ClientId));
    }

    [Fact]
    public async Task Without_a_host_the_endpoint_host_is_looked_up_from_the_workspace()
    {
        var principal = await fixture.NewPrincipalAsync();
        var options = new DbContextOptionsBuilder<ProbeDb>()
            .UseLakebase(fixture.Emulator.EndpointName, fixture.OAuthFor(principal), lb => lb.Port(fixture.Emulator.Port).RootCertificate(fixture.Emulator.CaCertificatePath).ReadEnvironment(false).UseLoggerFactory(fixture.LoggerFactory))
            .Options;
        await using var db = new ProbeDb(options);

        Assert.Equal(principal.ClientId, (await db.WhoAmIAsync(Ct)).User);
        Assert.Contains(fixture.Logs.Entries, e => e.EventId.Name == "EndpointHostResolved" && e.Message.Contains(fixture.Emulator.Host, StringComparison.Ordinal));
    }

    public void Dispose()
    {
        fixture.Emulator.Faults.Reset();
        fixture.AssertNoSecretsLogged();
    }
}
