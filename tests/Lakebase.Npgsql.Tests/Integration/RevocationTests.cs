using Lakebase.Emulator;

namespace Lakebase.Npgsql.Tests.Integration;

/// <summary>Revoked tokens and missing roles against the emulator: failed opens and credential requests as a user sees them.</summary>
[Collection(EmulatorCollection.Name)]
public sealed class RevocationTests(EmulatorFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_second_revocation_within_30_seconds_fails_no_open()
    {
        // The measured bug: the credential forced after the first revocation was refused a replacement for 30 s, so
        // every open after a second revocation failed (21 of them).
        var principal = await fixture.NewPrincipalAsync();
        await using var dataSource = PoolingOff(principal);
        await OpenAsync(dataSource);

        var failed = 0;
        for (var revocation = 0; revocation < 3; revocation++)
        {
            fixture.Emulator.RevokeAllTokens();
            for (var i = 0; i < 21; i++)
            {
                try
                {
                    await OpenAsync(dataSource);
                }
                catch (LakebaseException)
                {
                    failed++;
                }
            }
        }

        Assert.Equal(0, failed);
        Assert.Equal(4, fixture.Emulator.Counters.CredentialsMintedFor(principal.ClientId)); // the first, then one per revocation
        fixture.AssertNoSecretsLogged();
    }

    [Fact]
    public async Task With_the_role_missing_many_failing_opens_make_only_a_few_credential_requests()
    {
        var principal = await fixture.Emulator.AddPrincipalAsync(EmulatedPrincipal.CreateServicePrincipal(createRole: false), Ct);
        await using var dataSource = PoolingOff(principal);

        for (var i = 0; i < 40; i++)
        {
            var error = await Assert.ThrowsAsync<LakebaseAuthenticationException>(() => OpenAsync(dataSource));
            Assert.Contains("databricks_create_role", error.Message, StringComparison.Ordinal);
        }

        // The first credential plus the burst of two forced refreshes; the rest were refused without asking.
        Assert.InRange(fixture.Emulator.Counters.CredentialsMintedFor(principal.ClientId), 1, 4);
    }

    [Fact]
    public async Task A_users_missing_role_is_explained_with_the_user_identity_type()
    {
        // A personal access token logs in as the user's e-mail: databricks_create_role takes 'USER' for it, not
        // 'SERVICE_PRINCIPAL' (the SQL would fail as given).
        var user = await fixture.Emulator.AddPrincipalAsync(EmulatedPrincipal.CreateUser($"dev-{Guid.NewGuid():N}@example.com", createRole: false), Ct);
        await using var dataSource = new LakebaseDataSourceBuilder(fixture.Emulator.EndpointName, new LakebaseOAuthOptions { WorkspaceHost = fixture.Emulator.WorkspaceUrl.ToString(), Token = user.PersonalAccessToken })
            .Host(fixture.Emulator.Host).Port(fixture.Emulator.Port).RootCertificate(fixture.Emulator.CaCertificatePath).ReadEnvironment(false)
            .UseLoggerFactory(fixture.LoggerFactory).Build();

        var error = await Assert.ThrowsAsync<LakebaseAuthenticationException>(() => OpenAsync(dataSource));
        Assert.Contains($"databricks_create_role('{user.ClientId}', 'USER')", error.Message, StringComparison.Ordinal);
        fixture.AssertNoSecretsLogged();
    }

    // Pooling off: every open is a real login, as with a pool whose connections are being replaced.
    private LakebaseDataSource PoolingOff(EmulatedPrincipal principal) =>
        fixture.Builder(principal).ConfigureDataSource(b => b.ConnectionStringBuilder.Pooling = false).Build();

    private static async Task OpenAsync(LakebaseDataSource dataSource)
    {
        await using var connection = await dataSource.OpenConnectionAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT 1";
        Assert.Equal(1, await command.ExecuteScalarAsync(Ct));
    }
}
