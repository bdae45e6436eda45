using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Npgsql;

namespace Lakebase.Emulator.Tests;

/// <summary>The PostgreSQL front's certificate, checked the way a verifying client (Npgsql VerifyFull) sees it.</summary>
public sealed class TlsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Verify_full_with_only_the_emulator_ca_accepts_localhost_and_loopback_addresses()
    {
        await using var emulator = await LakebaseEmulator.StartAsync(cancellationToken: Ct);
        Assert.Equal(emulator.CaCertificate.ExportCertificatePem(), (await File.ReadAllTextAsync(emulator.CaCertificatePath, Ct)).Trim());

        foreach (var host in new[] { "localhost", "127.0.0.1" })
        {
            await using var connection = VerifyingConnection(emulator, host, emulator.CaCertificatePath);
            await connection.OpenAsync(Ct);
            await using var command = new NpgsqlCommand("SELECT current_user", connection);
            Assert.Equal(emulator.DefaultPrincipal.ClientId, await command.ExecuteScalarAsync(Ct));
        }
    }

    [Fact]
    public async Task Server_certificate_is_issued_by_the_ca_for_the_loopback_names()
    {
        await using var emulator = await LakebaseEmulator.StartAsync(cancellationToken: Ct);
        var server = emulator.ServerCertificate;
        var ca = emulator.CaCertificate;

        Assert.Equal(ca.Subject, server.Issuer);
        Assert.Contains("Lakebase Emulator Local CA", ca.Subject, StringComparison.Ordinal);
        var constraints = ca.Extensions.OfType<X509BasicConstraintsExtension>().Single();
        Assert.True(constraints.CertificateAuthority);
        Assert.Equal(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, ca.Extensions.OfType<X509KeyUsageExtension>().Single().KeyUsages);

        Assert.Contains(server.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>(), o => o.Value == "1.3.6.1.5.5.7.3.1");
        var names = server.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Equal(["localhost"], names.EnumerateDnsNames());
        Assert.Equal([IPAddress.Loopback, IPAddress.IPv6Loopback], names.EnumerateIPAddresses());
        Assert.InRange(server.NotAfter.ToUniversalTime() - DateTime.UtcNow, TimeSpan.FromDays(29), TimeSpan.FromDays(31));

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(X509CertificateLoader.LoadCertificateFromFile(emulator.CaCertificatePath));
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        Assert.True(chain.Build(server), string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
    }

    [Fact]
    public async Task Ca_persists_in_the_data_directory_and_a_temporary_one_is_deleted()
    {
        var directory = Path.Combine("/tmp", "lbemu-ca-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            string firstThumbprint;
            string firstServerThumbprint;
            await using (var emulator = await LakebaseEmulator.StartAsync(new LakebaseEmulatorOptions { DataDirectory = directory }, Ct))
            {
                firstThumbprint = emulator.CaCertificate.Thumbprint;
                firstServerThumbprint = emulator.ServerCertificate.Thumbprint;
                Assert.Equal(Path.Combine(Path.GetFullPath(directory), "lakebase-emulator-ca.pem"), emulator.CaCertificatePath);
                var keyFile = Path.Combine(directory, "lakebase-emulator-ca.key");
                if (!OperatingSystem.IsWindows())
                {
                    Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
                }

                Assert.DoesNotContain("PRIVATE KEY", await File.ReadAllTextAsync(emulator.CaCertificatePath, Ct), StringComparison.Ordinal);
            }

            await using (var emulator = await LakebaseEmulator.StartAsync(new LakebaseEmulatorOptions { DataDirectory = directory }, Ct))
            {
                Assert.Equal(firstThumbprint, emulator.CaCertificate.Thumbprint);
                Assert.NotEqual(firstServerThumbprint, emulator.ServerCertificate.Thumbprint);

                // A client that trusted the CA file of the first run still verifies the second run's server.
                await using var connection = VerifyingConnection(emulator, "localhost", emulator.CaCertificatePath);
                await connection.OpenAsync(Ct);
            }

            string temporaryCa;
            await using (var emulator = await LakebaseEmulator.StartAsync(cancellationToken: Ct))
            {
                temporaryCa = emulator.CaCertificatePath;
                Assert.True(File.Exists(temporaryCa));
                Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(temporaryCa)!, "*.key"));
            }

            Assert.False(File.Exists(temporaryCa));
        }
        finally
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    [Fact]
    public async Task Certificate_from_another_ca_or_with_other_names_is_refused_by_verify_full()
    {
        using var otherCa = EmulatorCertificateAuthority.Create("CN=Some Other CA", loopbackOnly: false);
        using var wrongNames = otherCa.IssueServerCertificate(dnsNames: ["db.example.test"], ipAddresses: [IPAddress.Parse("10.1.2.3")]);
        await using var emulator = await LakebaseEmulator.StartAsync(new LakebaseEmulatorOptions { ServerCertificate = wrongNames }, Ct);
        var otherCaFile = Path.Combine(Path.GetDirectoryName(emulator.CaCertificatePath)!, "other-ca.pem");
        await File.WriteAllTextAsync(otherCaFile, otherCa.ExportCertificatePem(), Ct);

        // Trusting the emulator's CA: the chain does not verify.
        await using (var connection = VerifyingConnection(emulator, "localhost", emulator.CaCertificatePath))
        {
            AssertCertificateRefused(await Assert.ThrowsAnyAsync<Exception>(() => connection.OpenAsync(Ct)));
        }

        // Trusting the certificate's own CA: the chain verifies, but the names do not match, so only VerifyCA passes.
        await using (var connection = VerifyingConnection(emulator, "localhost", otherCaFile))
        {
            AssertCertificateRefused(await Assert.ThrowsAnyAsync<Exception>(() => connection.OpenAsync(Ct)));
        }

        await using (var connection = VerifyingConnection(emulator, "localhost", otherCaFile, SslMode.VerifyCA))
        {
            await connection.OpenAsync(Ct);
        }
    }

    [Fact]
    public async Task Environment_asks_for_verify_full_against_the_ca_file()
    {
        await using var emulator = await LakebaseEmulator.StartAsync(cancellationToken: Ct);
        var env = emulator.GetEnvironmentVariables();
        Assert.Equal("verify-full", env["PGSSLMODE"]);
        Assert.Equal(emulator.CaCertificatePath, env["PGSSLROOTCERT"]);

        // What a libpq-style client does with exactly those values (host from PGHOST, an IP SAN).
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = env["PGHOST"], Port = int.Parse(env["PGPORT"], System.Globalization.CultureInfo.InvariantCulture), Database = env["PGDATABASE"],
            Username = env["PGUSER"], SslMode = SslMode.VerifyFull, RootCertificate = env["PGSSLROOTCERT"],
            Password = emulator.MintDatabaseToken().Token, Pooling = false,
        };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(Ct);
    }

    private static void AssertCertificateRefused(Exception error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            if (e is AuthenticationException)
            {
                return;
            }
        }

        Assert.Fail($"Expected a TLS authentication failure, got: {error}");
    }

    private static NpgsqlConnection VerifyingConnection(LakebaseEmulator emulator, string host, string rootCertificate, SslMode mode = SslMode.VerifyFull)
    {
        var builder = new NpgsqlConnectionStringBuilder(emulator.GetConnectionString())
        {
            Host = host,
            SslMode = mode,
            RootCertificate = rootCertificate,
            Password = emulator.MintDatabaseToken().Token,
            Pooling = false,
            Timeout = 15,
        };
        return new NpgsqlConnection(builder.ConnectionString);
    }
}
