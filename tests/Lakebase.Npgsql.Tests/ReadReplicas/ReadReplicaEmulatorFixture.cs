using Lakebase.Emulator;
using Lakebase.TestUtilities;

namespace Lakebase.Npgsql.Tests.ReadReplicas;

/// <summary>An emulator with a read replica: a real PostgreSQL hot standby streaming from the primary.</summary>
public sealed class ReadReplicaEmulatorFixture : EmulatorFixtureBase
{
    protected override LakebaseEmulatorOptions CreateOptions() => new() { ReadReplica = true };

    /// <summary>A builder for the principal, verified TLS against the emulator's CA, nothing read from the environment.</summary>
    public LakebaseDataSourceBuilder Builder(EmulatedPrincipal principal) =>
        new LakebaseDataSourceBuilder(Emulator.EndpointName, OAuthFor(principal))
            .Port(Emulator.Port)
            .RootCertificate(Emulator.CaCertificatePath)
            .ReadEnvironment(false)
            .UseLoggerFactory(LoggerFactory);
}

[CollectionDefinition(Name)]
public sealed class ReadReplicaCollection : ICollectionFixture<ReadReplicaEmulatorFixture>
{
    public const string Name = "read replica";
}
