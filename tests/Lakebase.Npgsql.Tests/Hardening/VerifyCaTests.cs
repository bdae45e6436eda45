using Lakebase.Npgsql;
using Lakebase.TestUtilities;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Lakebase.Npgsql.Tests.Hardening;

/// <summary>
/// verify-ca checks the chain but not the host name: with the system's roots any publicly trusted certificate for any
/// name would receive the token. Without a root certificate of the user's own it is verified as verify-full.
/// </summary>
public sealed class VerifyCaTests
{
    private static readonly LakebaseOAuthOptions ServicePrincipal = new() { WorkspaceHost = "https://adb-1.azuredatabricks.net", ClientId = "6f1b1a6e-0000-4000-8000-000000000001", ClientSecret = "s" };

    [Theory]
    [InlineData("PGSSLMODE")]
    [InlineData(null)]
    public void Verify_ca_with_the_systems_roots_is_verified_as_verify_full(string? variable)
    {
        var builder = new LakebaseDataSourceBuilder("projects/p/branches/b/endpoints/ep-1", ServicePrincipal)
            .UseConfiguration(VariablesConfiguration.From(new Dictionary<string, string?> { ["PGSSLMODE"] = variable is null ? null : "verify-ca" }));
        if (variable is null)
        {
            builder.SslMode(SslMode.VerifyCA);
        }

        Assert.Equal(SslMode.VerifyFull, builder.Resolve().SslMode);
    }

    [Fact]
    public void Verify_ca_with_a_root_certificate_of_ones_own_is_kept_and_warned_about()
    {
        var rootCertificate = Path.GetTempFileName(); // only its existence is checked before a connection is made
        var logs = new CapturingLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(logs));
        using var dataSource = new LakebaseDataSourceBuilder("projects/p/branches/b/endpoints/ep-1", ServicePrincipal)
            .Host("ep-1.database.cloud.databricks.com")
            .SslMode(SslMode.VerifyCA)
            .RootCertificate(rootCertificate)
            .UseLoggerFactory(loggerFactory)
            .Build();

        Assert.Equal(SslMode.VerifyCA, new NpgsqlConnectionStringBuilder(dataSource.ConnectionString).SslMode);
        Assert.Contains(logs.Entries, e => e.EventId.Name == "TlsHostNameNotVerified");
        File.Delete(rootCertificate);
    }
}
