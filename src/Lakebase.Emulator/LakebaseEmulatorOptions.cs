using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace Lakebase.Emulator;

/// <summary>Settings for a <see cref="LakebaseEmulator"/>. Every default gives a working emulator on free ports.</summary>
public sealed class LakebaseEmulatorOptions
{
    /// <summary>The project id in the endpoint name.</summary>
    public string ProjectId { get; set; } = "local";

    /// <summary>The branch id in the endpoint name.</summary>
    public string BranchId { get; set; } = "main";

    /// <summary>The endpoint (compute) id in the endpoint name.</summary>
    public string EndpointId { get; set; } = "ep-local-emulator";

    /// <summary>The instance name served by the Provisioned credential API.</summary>
    public string InstanceName { get; set; } = "local-instance";

    /// <summary>
    /// Where the emulator keeps its PostgreSQL cluster, registered principals and TLS CA. <see langword="null"/>: a
    /// temporary directory deleted on dispose. Set: a persistent directory, reused when it already holds a cluster; the
    /// principals (client ids and secrets) of the previous run are kept in it so their roles keep working, and so is
    /// the CA (<c>lakebase-emulator-ca.pem</c>, key in <c>lakebase-emulator-ca.key</c>, mode 0600), so a client's trust in it survives restarts.
    /// </summary>
    public string? DataDirectory { get; set; }

    /// <summary>The HTTP port of the workspace API on 127.0.0.1; 0 picks a free port.</summary>
    public int WorkspacePort { get; set; }

    /// <summary>The TLS PostgreSQL port on 127.0.0.1; 0 picks a free port.</summary>
    public int PostgresPort { get; set; }

    /// <summary>How long a minted database token is accepted at login (unless a request or a fault says otherwise).</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long a workspace OAuth token from <c>/oidc/v1/token</c> is accepted.</summary>
    public TimeSpan WorkspaceTokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Idle time (no relayed bytes, no new connection) after which the compute suspends and drops every session;
    /// <see langword="null"/> never suspends. Measured on the real clock, not <see cref="TimeProvider"/>.
    /// </summary>
    public TimeSpan? SuspendAfter { get; set; }

    /// <summary>The wait a connection sees when it wakes a suspended (or restarted) compute.</summary>
    public TimeSpan ColdStartDelay { get; set; } = TimeSpan.FromMilliseconds(300);

    /// <summary>
    /// Runs the private PostgreSQL server with <c>fsync</c>, <c>synchronous_commit</c> and <c>full_page_writes</c> on, so
    /// that a crash (<see cref="EmulatorFaults.CrashServerAsync"/>) loses no commit the server acknowledged. Off by
    /// default: a throwaway local database is faster without them, and then a crash may lose the last commits.
    /// </summary>
    public bool DurableStorage { get; set; }

    /// <summary>The clock used for token expiry: when tokens are minted and when logins check them.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Where the emulator logs; <see langword="null"/> logs nowhere. Tokens and secrets are never logged.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>
    /// For tests: a certificate (with private key) the PostgreSQL front presents instead of one issued by the
    /// emulator's CA, e.g. from <see cref="EmulatorCertificateAuthority.Create"/> (another CA) or with other names
    /// (<see cref="EmulatorCertificateAuthority.IssueServerCertificate"/>), to see clients refuse it. Not disposed by the emulator.
    /// </summary>
    public X509Certificate2? ServerCertificate { get; set; }

    /// <summary>
    /// Adds a read-only endpoint served by a real PostgreSQL hot standby that streams from the primary, on its own
    /// loopback address (127.0.0.2) and the same port: <see cref="LakebaseEmulator.ReadOnlyHost"/>,
    /// <see cref="LakebaseEmulator.ReadOnlyEndpointName"/>, and the primary endpoint's <c>read_only_host</c>. Off by
    /// default: the copy (<c>pg_basebackup</c>) and the standby's start add a fraction of a second to the start.
    /// </summary>
    public bool ReadReplica { get; set; }

    /// <summary>The endpoint id of the read-only endpoint (<see cref="ReadReplica"/>), on the same branch as <see cref="EndpointId"/>.</summary>
    public string ReadOnlyEndpointId { get; set; } = "ep-local-replica";

    /// <summary>The principals to register at start. Empty: one default service principal is created.</summary>
    public IList<EmulatedPrincipal> Principals { get; } = new List<EmulatedPrincipal>();

    internal string EndpointName => $"projects/{ProjectId}/branches/{BranchId}/endpoints/{EndpointId}";

    internal string ReadOnlyEndpointName => $"projects/{ProjectId}/branches/{BranchId}/endpoints/{ReadOnlyEndpointId}";
}
