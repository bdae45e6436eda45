using Lakebase.Emulator.Endpoints;

namespace Lakebase.Emulator;

/// <summary>The emulator's endpoints: the read-write one on 127.0.0.1 and, when enabled, a read-only one on a hot standby.</summary>
public sealed partial class LakebaseEmulator
{
    /// <summary>Whether the emulator has a read-only endpoint on a hot standby (<see cref="LakebaseEmulatorOptions.ReadReplica"/>).</summary>
    public bool HasReadReplica => _options.ReadReplica;

    /// <summary>
    /// The host of the read-only endpoint: <c>127.0.0.2</c>, on the same <see cref="Port"/> as <see cref="Host"/>. It is
    /// also the read-write endpoint's <c>status.hosts.read_only_host</c> (its readable secondary). Throws when the
    /// emulator has no read replica.
    /// </summary>
    public string ReadOnlyHost => ReadReplicaEndpoint.Host;

    /// <summary>
    /// The read-only endpoint's name, <c>projects/{p}/branches/{b}/endpoints/{ReadOnlyEndpointId}</c>
    /// (<c>endpoint_type: ENDPOINT_TYPE_READ_ONLY</c>, on the same branch as <see cref="EndpointName"/>). Throws when the
    /// emulator has no read replica.
    /// </summary>
    public string ReadOnlyEndpointName => ReadReplicaEndpoint.Name;

    /// <summary>
    /// An Npgsql connection string to the read-only endpoint (no password: add a minted token, the same one the
    /// read-write endpoint takes), with verified TLS. Throws when the emulator has no read replica.
    /// </summary>
    /// <param name="principal">The user; <see langword="null"/> for <see cref="DefaultPrincipal"/>.</param>
    /// <param name="database">The database; <see langword="null"/> for <c>databricks_postgres</c>.</param>
    public string GetReadOnlyConnectionString(EmulatedPrincipal? principal = null, string? database = null) =>
        ClientSettings.ConnectionString(this, ReadOnlyHost, principal ?? DefaultPrincipal, database ?? Database);

    /// <summary>
    /// The libpq connection string (<c>psql "…"</c>) the CLI prints, without password (<c>PGPASSWORD</c>): verified TLS
    /// against <see cref="CaCertificatePath"/>. <paramref name="readOnly"/>: both hosts (<c>host=localhost,127.0.0.2</c>)
    /// with <c>target_session_attrs=read-only</c>, so libpq lands on the hot standby.
    /// </summary>
    /// <param name="principal">The user; <see langword="null"/> for <see cref="DefaultPrincipal"/>.</param>
    /// <param name="readOnly">Whether to go to the read-only endpoint (needs a read replica).</param>
    public string GetPsqlConnectionInfo(EmulatedPrincipal? principal = null, bool readOnly = false) =>
        ClientSettings.PsqlConnectionInfo(this, principal ?? DefaultPrincipal, readOnly ? ReadOnlyHost : null);

    /// <summary>Every endpoint, the read-write one first.</summary>
    internal IReadOnlyList<EmulatedEndpoint> Endpoints => _servers.Endpoints;

    /// <summary>The read-only endpoint, if the emulator has one.</summary>
    internal EmulatedEndpoint? ReadReplicaOrNull => _servers.ReadReplica;

    /// <summary>The superuser straight to the standby's socket (tests only).</summary>
    internal string ReplicaAdminConnectionString => _servers.Standby?.AdminConnectionString(Database) ?? throw NoReadReplica();

    private EmulatedEndpoint PrimaryEndpoint => _servers.Primary ?? throw NotStarted();

    private EmulatedEndpoint ReadReplicaEndpoint =>
        _servers.ReadReplica ?? (_options.ReadReplica ? throw NotStarted() : throw NoReadReplica());

    /// <summary>The endpoint called <paramref name="name"/>, or <see langword="null"/>.</summary>
    internal EmulatedEndpoint? FindEndpoint(string name) =>
        _servers.Branches?.FindEndpoint(name) ?? _servers.Endpoints.FirstOrDefault(e => e.Name == name);

    private Task WaitForStandbyAsync(CancellationToken cancellationToken) =>
        _servers.WaitForStandbyAsync(HasReadReplica ? Faults.ReadReplica.ReplicationLag : TimeSpan.Zero, cancellationToken);

    private static InvalidOperationException NoReadReplica() =>
        new("This emulator has no read replica: start it with LakebaseEmulatorOptions.ReadReplica = true (CLI: --read-replica).");
}
