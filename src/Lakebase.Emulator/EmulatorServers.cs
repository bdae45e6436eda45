using Lakebase.Emulator.Cluster;
using Lakebase.Emulator.Postgres;
using Lakebase.Emulator.Tls;
using Lakebase.Emulator.Workspace;
using Microsoft.Extensions.Logging;

namespace Lakebase.Emulator;

/// <summary>
/// The servers of one emulator run: the private PostgreSQL cluster, the TLS material, the PostgreSQL front and the
/// workspace API, plus the roles of the principals registered at start. Stopped outside in, so no new work reaches
/// the private server while it stops; a start that failed part-way is stopped the same way.
/// </summary>
internal sealed class EmulatorServers(LakebaseEmulatorOptions options, ILoggerFactory loggerFactory) : IAsyncDisposable
{
    public PrivateCluster? Cluster { get; private set; }

    public EmulatorTls? Tls { get; private set; }

    public PostgresFront? Front { get; private set; }

    public WorkspaceApi? Workspace { get; private set; }

    public ProjectProvisioner? Provisioner { get; private set; }

    /// <summary>The first registered principal: the project owner and the default principal.</summary>
    public EmulatedPrincipal? ProjectOwner { get; private set; }

    public async Task StartAsync(LakebaseEmulator emulator, CancellationToken cancellationToken)
    {
        var cluster = PrivateCluster.Create(options.DataDirectory, loggerFactory.CreateLogger<PrivateCluster>(), options.DurableStorage);
        Cluster = cluster;

        // initdb + server start dominate; the rest is set up while they run.
        var clusterStarting = Task.Run(() => cluster.StartAsync(cancellationToken), cancellationToken);

        // After the cluster has created the data directory, where principals are kept across runs.
        ProjectOwner = emulator.PrincipalRegistry.RegisterInitial(options.Principals);
        Tls = EmulatorTls.Create(options.DataDirectory, options.ServerCertificate);
        Front = PostgresFront.Start(options.PostgresPort, new FrontContext(
            Tls.ServerContext, emulator.DatabaseTokens, emulator.Counters, emulator.Compute, options.ColdStartDelay, cluster.SocketPath,
            loggerFactory.CreateLogger("Lakebase.Emulator.Postgres")));
        Workspace = await WorkspaceApi.StartAsync(emulator, options.WorkspacePort, options.WorkspaceTokenLifetime, loggerFactory, cancellationToken).ConfigureAwait(false);

        await clusterStarting.ConfigureAwait(false);
        Provisioner = new ProjectProvisioner(new ClusterSetup(cluster), emulator.PrincipalRegistry, ProjectOwner);
        await Provisioner.InitializeAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var server in new IAsyncDisposable?[] { Front, Workspace, Cluster })
        {
            if (server is not null)
            {
                await server.DisposeAsync().ConfigureAwait(false);
            }
        }

        Tls?.Dispose();
        Provisioner?.Dispose();
    }
}
