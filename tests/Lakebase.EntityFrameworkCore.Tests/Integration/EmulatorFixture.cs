using Lakebase.Emulator;
using Lakebase.EntityFrameworkCore.Infrastructure;
using Lakebase.Npgsql;
using Lakebase.TestUtilities;
using Microsoft.EntityFrameworkCore;

namespace Lakebase.EntityFrameworkCore.Tests.Integration;

/// <summary>
/// The emulator shared by the integration tests (one collection, one test at a time: see <see cref="EmulatorFixtureBase"/>),
/// with EF Core contexts that the plugin and Npgsql log to the captured logger factory from.
/// </summary>
public sealed class EmulatorFixture : EmulatorFixtureBase
{
    public ProbeDb CreateContext(EmulatedPrincipal principal, Action<LakebaseDbContextOptionsBuilder>? configure = null, string? endpoint = null, LakebaseOAuthOptions? oauth = null)
    {
        // EF Core's logger factory, set before UseLakebase, is the one the plugin and Npgsql log to as well.
        var options = new DbContextOptionsBuilder<ProbeDb>()
            .UseLoggerFactory(LoggerFactory)
            .UseLakebase(endpoint ?? Emulator.EndpointName, oauth ?? OAuthFor(principal), lakebase =>
            {
                lakebase.Host(Emulator.Host).Port(Emulator.Port).RootCertificate(Emulator.CaCertificatePath).ReadEnvironment(false);
                configure?.Invoke(lakebase);
            })
            .Options;
        return new ProbeDb(options);
    }
}

[CollectionDefinition(Name)]
public sealed class EmulatorCollection : ICollectionFixture<EmulatorFixture>
{
    public const string Name = "Lakebase emulator";
}
