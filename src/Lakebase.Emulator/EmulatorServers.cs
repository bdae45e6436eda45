using Lakebase.Emulator.Branches;
using Lakebase.Emulator.Cluster;
using Lakebase.Emulator.Compute;
using Lakebase.Emulator.Endpoints;
using Lakebase.Emulator.Postgres;
using Lakebase.Emulator.Tls;
using Lakebase.Emulator.Workspace;
using Microsoft.Extensions.Logging;

namespace Lakebase.Emulator;

/// <summary>
/// The servers of one emulator run: the private PostgreSQL cluster (and its hot standby when a read replica is on),
/// the TLS material, the endpoints (each a PostgreSQL front on its own loopback address) and the workspace API, plus
/// the roles of the principals registered at start. Stopped outside in, so no new work reaches a private server
/// while it stops; a start that failed part-way is stopped the same way.
/// </summary>
internal sealed class EmulatorServers(LakebaseEmulatorOptions options, ILoggerFactory loggerFactory) : IAsyncDisposable
{
    private readonly List<EmulatedEndpoint> _endpoints = [];

    public PrivateCluster? Cluster { get; private set; }

    /// <summary>The hot standby behind the read-only endpoint; <see langword="null"/> without <see cref="LakebaseEmulatorOptions.ReadReplica"/>.</summary>
    public StandbyCluster? Standby { get; private set; }

    public EmulatorTls? Tls { get; private set; }

    /// <summary>The read-write endpoint on 127.0.0.1.</summary>
    public EmulatedEndpoint? Primary { get; private set; }

    /// <summary>The read-only endpoint on the standby; <see langword="null"/> without a read replica.</summary>
    public EmulatedEndpoint? ReadReplica { get; private set; }

    /// <summary>Every endpoint, the primary first.</summary>
    public IReadOnlyList<EmulatedEndpoint> Endpoints => _endpoints;

    public WorkspaceApi? Workspace { get; private set; }

    /// <summary>The project's branches: the default one on <see cref="Cluster"/>, and copies made through the API.</summary>
    public BranchRegistry? Branches { get; private set; }

    /// <summary>The idle time after which every endpoint, a branch's too, suspends.</summary>
    public TimeSpan? SuspendAfter => options.SuspendAfter;

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
        Primary = AddEndpoint(emulator, options.EndpointName, EndpointType.ReadWrite, cluster.SocketPath);
        if (options.ReadReplica)
        {
            Standby = StandbyCluster.Create(cluster, loggerFactory.CreateLogger<StandbyCluster>());
            ReadReplica = AddEndpoint(emulator, options.ReadOnlyEndpointName, EndpointType.ReadOnly, Standby.SocketPath);
        }

        await EndpointAddresses.ListenOnOnePortAsync(_endpoints, options.PostgresPort).ConfigureAwait(false);
        Branches = new BranchRegistry(emulator, this, cluster.Installation, loggerFactory);
        Branches.AddDefault($"projects/{options.ProjectId}/branches/{options.BranchId}", cluster.SocketDirectory, _endpoints);
        Workspace = await WorkspaceApi.StartAsync(emulator, options.WorkspacePort, options.WorkspaceTokenLifetime, loggerFactory, cancellationToken).ConfigureAwait(false);

        await clusterStarting.ConfigureAwait(false);
        Provisioner = new ProjectProvisioner(new ClusterSetup(cluster), emulator.PrincipalRegistry, ProjectOwner);
        await Provisioner.InitializeAsync(cancellationToken).ConfigureAwait(false);

        // Copied after the set-up, so the standby starts with every role, grant and database the primary has.
        if (Standby is not null)
        {
            await Standby.StartAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Waits until the standby has replayed what the primary has now, unless replication is held back on purpose: so
    /// a principal or database added through the emulator is usable on the read-only endpoint when the call returns.
    /// </summary>
    public Task WaitForStandbyAsync(TimeSpan replicationLag, CancellationToken cancellationToken) =>
        Standby is not null && replicationLag == TimeSpan.Zero ? Standby.WaitForReplayAsync(cancellationToken) : Task.CompletedTask;

    private EmulatedEndpoint AddEndpoint(LakebaseEmulator emulator, string name, EndpointType type, string backendSocketPath)
    {
        var endpoint = CreateEndpoint(emulator, name, type, EndpointAddresses.ForIndex(_endpoints.Count), backendSocketPath);
        _endpoints.Add(endpoint);
        return endpoint;
    }

    /// <summary>An endpoint (not listening yet) on <paramref name="address"/>, with its own certificate and compute state.</summary>
    public EmulatedEndpoint CreateEndpoint(LakebaseEmulator emulator, string name, EndpointType type, System.Net.IPAddress address, string backendSocketPath)
    {
        var context = new FrontContext(
            Tls!.ServerContextFor(address), emulator.DatabaseTokens, emulator.Counters, new ComputeState(options.ColdStartDelay), options.ColdStartDelay,
            backendSocketPath, loggerFactory.CreateLogger("Lakebase.Emulator.Postgres"));
        return new EmulatedEndpoint(name, type, address, context, loggerFactory.CreateLogger<LakebaseEmulator>());
    }

    public async ValueTask DisposeAsync()
    {
        // Branches first: their copies and endpoints, and any copy still being made from the cluster.
        if (Branches is not null)
        {
            await Branches.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var endpoint in _endpoints)
        {
            await endpoint.DisposeAsync().ConfigureAwait(false);
        }

        // The standby before the primary: it drops its replication slot there.
        foreach (var server in new IAsyncDisposable?[] { Workspace, Standby, Cluster })
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
