using System.Net;
using Lakebase.Emulator;
using Lakebase.TestUtilities;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Lakebase.Npgsql.Tests.Tls;

/// <summary>
/// The database token travels as a password inside TLS, so by default the server's chain and name are verified and a
/// server that fails either gets nothing. Each test starts its own emulator where it needs a different certificate.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class VerifiedTlsTests(EmulatorFixture fixture) : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Defaults_refuse_a_certificate_from_an_untrusted_ca_before_any_token_is_sent()
    {
        var principal = await fixture.NewPrincipalAsync();
        await using var dataSource = new LakebaseDataSourceBuilder(fixture.Emulator.EndpointName, fixture.OAuthFor(principal))
            .Host(fixture.Emulator.Host).Port(fixture.Emulator.Port).ReadEnvironment(false).UseLoggerFactory(fixture.LoggerFactory)
            .Build(); // no RootCertificate: the system's roots, which do not include the emulator's CA

        var error = await Assert.ThrowsAsync<LakebaseTlsException>(async () => await dataSource.OpenConnectionAsync(Ct));

        Assert.Equal(LakebaseTlsFailure.UntrustedChain, error.Reason);
        Assert.Contains($"{fixture.Emulator.Host}:{fixture.Emulator.Port}", error.Message, StringComparison.Ordinal);
        Assert.Contains("Lakebase Emulator Local CA", error.Message, StringComparison.Ordinal); // who issued it
        Assert.Contains("PGSSLROOTCERT", error.Message, StringComparison.Ordinal); // what to set
        Assert.Contains("No database token was sent", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, fixture.Emulator.Counters.CredentialsMintedFor(principal.ClientId)); // the password is asked for only after TLS
    }

    [Fact]
    public async Task Defaults_refuse_a_certificate_for_another_host_name()
    {
        using var otherCa = EmulatorCertificateAuthority.Create("CN=Another CA", loopbackOnly: false);
        using var certificate = otherCa.IssueServerCertificate(dnsNames: ["db.example.com"], ipAddresses: []);
        await using var emulator = await LakebaseEmulator.StartAsync(new LakebaseEmulatorOptions { ServerCertificate = certificate }, Ct);
        var caFile = WritePem(otherCa);
        try
        {
            var principal = emulator.DefaultPrincipal;
            await using var dataSource = new LakebaseDataSourceBuilder(emulator.EndpointName, new LakebaseOAuthOptions { WorkspaceHost = emulator.WorkspaceUrl.ToString(), ClientId = principal.ClientId, ClientSecret = principal.ClientSecret })
                .Host(emulator.Host).Port(emulator.Port).RootCertificate(caFile).ReadEnvironment(false)
                .Build(); // the chain is trusted (caFile), but the certificate names db.example.com, not 127.0.0.1

            var error = await Assert.ThrowsAsync<LakebaseTlsException>(async () => await dataSource.OpenConnectionAsync(Ct));

            Assert.Equal(LakebaseTlsFailure.NameMismatch, error.Reason);
            Assert.Contains("issued for db.example.com, not for 127.0.0.1", error.Message, StringComparison.Ordinal);
            Assert.Equal(0, emulator.Counters.LoginsAccepted + emulator.Counters.LoginsRejected);
        }
        finally
        {
            File.Delete(caFile);
        }
    }

    [Fact]
    public async Task A_server_certificate_from_another_ca_is_refused_even_with_the_emulators_ca_configured()
    {
        using var otherCa = EmulatorCertificateAuthority.Create("CN=Impostor CA");
        using var certificate = otherCa.IssueServerCertificate();
        await using var impostor = await LakebaseEmulator.StartAsync(new LakebaseEmulatorOptions { ServerCertificate = certificate }, Ct);
        var principal = impostor.DefaultPrincipal;
        await using var dataSource = new LakebaseDataSourceBuilder(impostor.EndpointName, new LakebaseOAuthOptions { WorkspaceHost = impostor.WorkspaceUrl.ToString(), ClientId = principal.ClientId, ClientSecret = principal.ClientSecret })
            .Host(impostor.Host).Port(impostor.Port).RootCertificate(fixture.Emulator.CaCertificatePath).ReadEnvironment(false)
            .Build();

        var error = await Assert.ThrowsAsync<LakebaseTlsException>(async () => await dataSource.OpenConnectionAsync(Ct));

        Assert.Equal(LakebaseTlsFailure.UntrustedChain, error.Reason);
        Assert.Contains("Impostor CA", error.Message, StringComparison.Ordinal);
        Assert.Contains(fixture.Emulator.CaCertificatePath, error.Message, StringComparison.Ordinal);
        SecretAssert.DoesNotLeak(error.ToString(), ("client secret", principal.ClientSecret));
    }

    [Fact]
    public async Task A_good_chain_connects_with_verify_full()
    {
        var principal = await fixture.NewPrincipalAsync();
        await using var dataSource = fixture.Builder(principal).Build();
        Assert.Equal(SslMode.VerifyFull, new NpgsqlConnectionStringBuilder(dataSource.ConnectionString).SslMode);

        await using var connection = await dataSource.OpenConnectionAsync(Ct);
        await using var command = new NpgsqlCommand("SELECT current_user", connection);
        Assert.Equal(principal.ClientId, await command.ExecuteScalarAsync(Ct));
    }

    [Fact]
    public async Task Require_in_code_connects_without_verification_and_warns_once_per_data_source()
    {
        var principal = await fixture.NewPrincipalAsync();
        var logs = new CapturingLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(logs));
        await using var dataSource = new LakebaseDataSourceBuilder(fixture.Emulator.EndpointName, fixture.OAuthFor(principal))
            .Host(fixture.Emulator.Host).Port(fixture.Emulator.Port).ReadEnvironment(false).UseLoggerFactory(loggerFactory)
            .SslMode(SslMode.Require) // untrusted CA, yet it connects: verification is off
            .Build();

        for (var i = 0; i < 3; i++)
        {
            await using var connection = await dataSource.OpenConnectionAsync(Ct);
            Assert.Equal(principal.ClientId, connection.UserName);
        }

        var warning = Assert.Single(logs.Entries, e => e.EventId.Name == "TlsVerificationDisabled");
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains(fixture.Emulator.EndpointName, warning.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(SslMode.Disable)]
    [InlineData(SslMode.Allow)]
    [InlineData(SslMode.Prefer)]
    public void Modes_that_may_skip_tls_or_verification_are_refused_with_the_reason(SslMode mode)
    {
        var builder = new LakebaseDataSourceBuilder("projects/p/branches/b/endpoints/ep-1", new LakebaseOAuthOptions { WorkspaceHost = "https://adb-1.azuredatabricks.net", ClientId = "6f1b1a6e-0000-4000-8000-000000000001", ClientSecret = "s" })
            .Host("ep-1.database.cloud.databricks.com").ReadEnvironment(false).SslMode(mode);

        var error = Assert.Throws<LakebaseConfigurationException>(() => builder.Build());

        Assert.Contains($"SSL mode {mode} could send the database token without TLS or to an unverified server", error.Message, StringComparison.Ordinal);
        Assert.Contains("VerifyFull", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("require", SslMode.VerifyFull)]
    [InlineData("verify-full", SslMode.VerifyFull)]
    [InlineData("verify-ca", SslMode.VerifyCA)]
    public void Pgsslmode_require_means_verified_as_databricks_drivers_read_it(string value, SslMode expected)
    {
        var environment = new Dictionary<string, string?> { ["PGSSLMODE"] = value, ["PGSSLROOTCERT"] = fixture.Emulator.CaCertificatePath };
        var builder = new LakebaseDataSourceBuilder("projects/p/branches/b/endpoints/ep-1", new LakebaseOAuthOptions { WorkspaceHost = "https://adb-1.azuredatabricks.net", ClientId = "6f1b1a6e-0000-4000-8000-000000000001", ClientSecret = "s" })
            .Host("ep-1.database.cloud.databricks.com");
        builder.UseConfiguration(VariablesConfiguration.From(environment));

        using var dataSource = builder.Build();
        var connectionString = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
        Assert.Equal((expected, fixture.Emulator.CaCertificatePath), (connectionString.SslMode, connectionString.RootCertificate));

        builder.ReadEnvironment(false);
        using var withoutEnvironment = builder.Build();
        connectionString = new NpgsqlConnectionStringBuilder(withoutEnvironment.ConnectionString);
        Assert.Equal((SslMode.VerifyFull, null), (connectionString.SslMode, connectionString.RootCertificate));
    }

    [Fact]
    public void A_root_certificate_file_that_does_not_exist_is_named_in_the_error()
    {
        var builder = new LakebaseDataSourceBuilder("projects/p/branches/b/endpoints/ep-1", new LakebaseOAuthOptions { WorkspaceHost = "https://adb-1.azuredatabricks.net", ClientId = "6f1b1a6e-0000-4000-8000-000000000001", ClientSecret = "s" })
            .Host("ep-1.database.cloud.databricks.com").ReadEnvironment(false).RootCertificate("/no/such/ca.pem");

        var error = Assert.Throws<LakebaseConfigurationException>(() => builder.Build());

        Assert.Contains("'/no/such/ca.pem' (RootCertificate(...) or PGSSLROOTCERT) does not exist", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => fixture.AssertNoSecretsLogged();

    private static string WritePem(EmulatorCertificateAuthority ca)
    {
        var path = Path.Combine(Path.GetTempPath(), $"other-ca-{Guid.NewGuid():N}.pem");
        File.WriteAllText(path, ca.ExportCertificatePem());
        return path;
    }
}
