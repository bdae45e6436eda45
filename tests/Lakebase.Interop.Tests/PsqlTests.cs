using Lakebase.TestUtilities;

namespace Lakebase.Interop.Tests;

/// <summary>libpq's psql with full verification (sslmode=verify-full) against the emulator's CA.</summary>
[Collection(InteropCollection.Name)]
public sealed class PsqlTests(InteropEmulatorFixture fixture)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Psql => ProcessRunner.Locate("psql", Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").OrderDescending().Select(d => Path.Combine(d, "bin", "psql"))
            : [])
        ?? throw new InvalidOperationException("psql is not installed (apt-get install -y postgresql-client).");

    [Fact]
    public async Task Verify_full_with_the_printed_connection_line_returns_current_user()
    {
        var emulator = fixture.Emulator;
        var token = emulator.MintDatabaseToken(fixture.ServicePrincipal).Token;
        var result = await RunPsqlAsync(new Dictionary<string, string> { ["PGPASSWORD"] = token }, ConnectionLine(emulator, fixture.ServicePrincipal.ClientId, emulator.CaCertificatePath));

        Assert.True(result.ExitCode == 0, result.StandardError);
        Assert.Equal(fixture.ServicePrincipal.ClientId, result.StandardOutput.Trim());
        SecretAssert.DoesNotLeak(result.Output, ("database token", token));
    }

    [Fact]
    public async Task Verify_full_from_the_printed_environment_alone()
    {
        var emulator = fixture.Emulator;
        var token = emulator.MintDatabaseToken(fixture.ServicePrincipal).Token;
        var env = new Dictionary<string, string>(emulator.GetEnvironmentVariables(fixture.ServicePrincipal)) { ["PGPASSWORD"] = token };

        var result = await RunPsqlAsync(env, connectionLine: null);

        Assert.True(result.ExitCode == 0, result.StandardError);
        Assert.Equal(fixture.ServicePrincipal.ClientId, result.StandardOutput.Trim());
    }

    [Fact]
    public async Task Certificate_from_another_ca_or_for_other_names_is_refused()
    {
        using var otherCa = EmulatorCertificateAuthority.Create("CN=Some Other CA", loopbackOnly: false);
        using var foreign = otherCa.IssueServerCertificate();
        await using (var emulator = await LakebaseEmulator.StartAsync(new LakebaseEmulatorOptions { ServerCertificate = foreign }, Ct))
        {
            var token = emulator.MintDatabaseToken().Token;
            var result = await RunPsqlAsync(new Dictionary<string, string> { ["PGPASSWORD"] = token }, ConnectionLine(emulator, emulator.DefaultPrincipal.ClientId, emulator.CaCertificatePath));

            Assert.Equal(2, result.ExitCode);
            Assert.Contains("certificate verify failed", result.StandardError, StringComparison.Ordinal);
            Assert.Equal(0, emulator.Counters.LoginsAccepted);
            SecretAssert.DoesNotLeak(result.Output, ("database token", token));
        }

        using var wrongNames = otherCa.IssueServerCertificate(dnsNames: ["db.example.test"], ipAddresses: []);
        await using (var emulator = await LakebaseEmulator.StartAsync(new LakebaseEmulatorOptions { ServerCertificate = wrongNames }, Ct))
        {
            var otherCaFile = Path.Combine(Path.GetDirectoryName(emulator.CaCertificatePath)!, "other-ca.pem");
            await File.WriteAllTextAsync(otherCaFile, otherCa.ExportCertificatePem(), Ct);
            var result = await RunPsqlAsync(new Dictionary<string, string> { ["PGPASSWORD"] = emulator.MintDatabaseToken().Token }, ConnectionLine(emulator, emulator.DefaultPrincipal.ClientId, otherCaFile));

            Assert.Equal(2, result.ExitCode);
            Assert.Contains("does not match host name \"localhost\"", result.StandardError, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Target_session_attrs_read_only_with_the_printed_line_lands_on_the_hot_standby()
    {
        await using var emulator = await LakebaseEmulator.StartAsync(new LakebaseEmulatorOptions { ReadReplica = true }, Ct);
        var token = emulator.MintDatabaseToken().Token;
        const string sql = "SELECT current_user || ' ' || pg_is_in_recovery()";

        // The CLI prints exactly these lines: host=localhost,127.0.0.2 ... target_session_attrs=read-only, and the primary's.
        var readOnly = await RunPsqlAsync(new Dictionary<string, string> { ["PGPASSWORD"] = token }, emulator.GetPsqlConnectionInfo(readOnly: true), sql);
        var primary = await RunPsqlAsync(new Dictionary<string, string> { ["PGPASSWORD"] = token }, emulator.GetPsqlConnectionInfo(), sql);

        Assert.True(readOnly.ExitCode == 0, readOnly.StandardError);
        Assert.Equal($"{emulator.DefaultPrincipal.ClientId} true", readOnly.StandardOutput.Trim());
        Assert.True(primary.ExitCode == 0, primary.StandardError);
        Assert.Equal($"{emulator.DefaultPrincipal.ClientId} false", primary.StandardOutput.Trim());
        SecretAssert.DoesNotLeak(readOnly.Output, ("database token", token));
    }

    /// <summary>The CLI's psql line: host=localhost, verify-full against the CA file.</summary>
    private static string ConnectionLine(LakebaseEmulator emulator, string user, string rootCertificate) =>
        $"host=localhost port={emulator.Port} dbname={emulator.Database} user={user} sslmode=verify-full sslrootcert={rootCertificate}";

    private static Task<ProcessRunner.Result> RunPsqlAsync(Dictionary<string, string> environment, string? connectionLine, string sql = "SELECT current_user")
    {
        // Nothing from the developer's shell or ~/.psqlrc / ~/.pgpass takes part (-X, and the environment is replaced).
        environment["PGCONNECT_TIMEOUT"] = "10";
        environment["HOME"] = Path.GetTempPath();
        string[] arguments = ["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql];
        return ProcessRunner.RunAsync(Psql, connectionLine is null ? arguments : [.. arguments, connectionLine], Path.GetTempPath(),
            environment.ToDictionary(v => v.Key, string? (v) => v.Value), Timeout, Ct, inheritEnvironment: false);
    }
}
