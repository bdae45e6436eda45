using Lakebase.Emulator;
using Lakebase.TestUtilities;

namespace Lakebase.Npgsql.Tests;

/// <summary>
/// The emulator shared by the tests of one collection (one test at a time: see <see cref="EmulatorFixtureBase"/>), with
/// data source builders and deployment settings pointed at it.
/// </summary>
public sealed class EmulatorFixture : EmulatorFixtureBase
{
    /// <summary>A builder for the principal with verified TLS against the emulator's CA, as a user would write it.</summary>
    public LakebaseDataSourceBuilder Builder(EmulatedPrincipal principal) =>
        new LakebaseDataSourceBuilder(Emulator.EndpointName, OAuthFor(principal))
            .Host(Emulator.Host)
            .Port(Emulator.Port)
            .RootCertificate(Emulator.CaCertificatePath)
            .ReadEnvironment(false)
            .UseLoggerFactory(LoggerFactory);

    /// <summary>The "Lakebase" section and DATABRICKS_* values of a deployment pointed at this emulator.</summary>
    public Dictionary<string, string?> Settings(EmulatedPrincipal principal) => new()
    {
        ["Lakebase:Endpoint"] = Emulator.EndpointName,
        ["Lakebase:Host"] = Emulator.Host,
        ["Lakebase:Port"] = Emulator.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Lakebase:RootCertificate"] = Emulator.CaCertificatePath,
        ["DATABRICKS_HOST"] = Emulator.WorkspaceUrl.ToString(),
        ["DATABRICKS_CLIENT_ID"] = principal.ClientId,
        ["DATABRICKS_CLIENT_SECRET"] = principal.ClientSecret,
    };
}

[CollectionDefinition(Name)]
public sealed class EmulatorCollection : ICollectionFixture<EmulatorFixture>
{
    public const string Name = "Lakebase emulator";
}
