using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using Lakebase.Emulator.Cluster;
using Lakebase.Emulator.Credentials;
using Lakebase.Emulator.Federation;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lakebase.Emulator;

/// <summary>
/// A local Databricks Lakebase: the workspace OAuth and credential APIs over HTTP, and a TLS PostgreSQL front
/// that accepts only minted database tokens and relays to a private PostgreSQL server. Start one with
/// <see cref="StartAsync"/>; disposing it stops everything and deletes a temporary data directory.
/// </summary>
public sealed partial class LakebaseEmulator : IAsyncDisposable
{
    private const string PrincipalsFileName = "lakebase-emulator-principals.json";

    private readonly LakebaseEmulatorOptions _options;
    private readonly ILogger _logger;
    private readonly EmulatorServers _servers;
    private Lazy<Task>? _stopping;

    private LakebaseEmulator(LakebaseEmulatorOptions options)
    {
        _options = options;
        var loggerFactory = options.LoggerFactory ?? NullLoggerFactory.Instance;
        _logger = loggerFactory.CreateLogger<LakebaseEmulator>();
        Faults = new EmulatorFaults(options.TimeProvider);
        PrincipalRegistry = new PrincipalRegistry(options.DataDirectory is null ? null : Path.Combine(Path.GetFullPath(options.DataDirectory), PrincipalsFileName));
        WorkspaceTokens = new WorkspaceTokenStore(options.TimeProvider, PrincipalRegistry);
        DatabaseTokens = new DatabaseTokenStore(options.TimeProvider);
        Federation = new OidcFederation(options.TimeProvider);
        _servers = new EmulatorServers(options, loggerFactory);
        Faults.ServerCrash = ct => (_servers.Cluster ?? throw NotStarted()).CrashAndRestartAsync(ct);
    }

    /// <summary>The workspace URL (<c>DATABRICKS_HOST</c>), e.g. <c>http://127.0.0.1:5123</c>.</summary>
    public Uri WorkspaceUrl => _servers.Workspace?.Url ?? throw NotStarted();

    /// <summary>The Autoscaling endpoint name, <c>projects/{p}/branches/{b}/endpoints/{e}</c>.</summary>
    public string EndpointName => _options.EndpointName;

    /// <summary>The Provisioned instance name accepted by <c>/api/2.0/database/credentials</c>.</summary>
    public string InstanceName => _options.InstanceName;

    /// <summary>The OAuth token endpoint, <c>{WorkspaceUrl}/oidc/v1/token</c>: also the audience Databricks SDKs request for workload identity federation tokens.</summary>
    public Uri TokenEndpoint => new(WorkspaceUrl, "oidc/v1/token");

    /// <summary>
    /// The PEM file of the CA that signs the PostgreSQL front's certificate: <c>sslrootcert</c> / <c>PGSSLROOTCERT</c>,
    /// <c>NODE_EXTRA_CA_CERTS</c>, <c>SSL_CERT_FILE</c>. In <see cref="LakebaseEmulatorOptions.DataDirectory"/> (the same
    /// CA in every run) or in a temporary directory deleted on dispose.
    /// </summary>
    public string CaCertificatePath => _servers.Tls?.CaCertificatePath ?? throw NotStarted();

    /// <summary>The CA that signs the PostgreSQL front's certificate (with its private key: do not hand it out).</summary>
    public X509Certificate2 CaCertificate => _servers.Tls?.Authority.Certificate ?? throw NotStarted();

    /// <summary>The certificate the PostgreSQL front presents (issued by <see cref="CaCertificate"/> unless <see cref="LakebaseEmulatorOptions.ServerCertificate"/> is set).</summary>
    public X509Certificate2 ServerCertificate => _servers.Tls?.ServerCertificate ?? throw NotStarted();

    /// <summary>The PostgreSQL host of the read-write endpoint: always <c>127.0.0.1</c> (further endpoints get 127.0.0.2, ...).</summary>
    public string Host => "127.0.0.1";

    /// <summary>The port of the TLS PostgreSQL front: the same on every endpoint's address.</summary>
    public int Port => PrimaryEndpoint.Port;

    /// <summary>The default database, <c>databricks_postgres</c>.</summary>
    public string Database => ClusterSetup.DefaultDatabase;

    /// <summary>The principal used when none is given; the project owner (may create tables).</summary>
    public EmulatedPrincipal DefaultPrincipal => _servers.ProjectOwner ?? throw NotStarted();

    /// <summary>Every registered principal, in registration order.</summary>
    public IReadOnlyList<EmulatedPrincipal> Principals => PrincipalRegistry.All;

    /// <summary>
    /// An Npgsql connection string for the superuser straight to the private server (unix socket, no token),
    /// for test setup and reset only: it bypasses everything Lakebase-like.
    /// </summary>
    public string AdminConnectionString => _servers.Cluster?.AdminConnectionString(Database) ?? throw NotStarted();

    /// <summary>The PostgreSQL major version of the private server.</summary>
    public int PostgresMajorVersion => _servers.Cluster?.MajorVersion ?? throw NotStarted();

    /// <summary>How long <see cref="StartAsync"/> took until everything was ready.</summary>
    public TimeSpan StartupTime { get; private set; }

    /// <summary>Faults injected into the workspace API.</summary>
    public EmulatorFaults Faults { get; }

    /// <summary>What the emulator has served.</summary>
    public EmulatorCounters Counters { get; } = new();

    /// <summary>Whether the compute is suspended (the next connection pays <see cref="LakebaseEmulatorOptions.ColdStartDelay"/>).</summary>
    public bool IsSuspended => _servers.Primary?.Compute.IsSuspended ?? false;

    internal PrincipalRegistry PrincipalRegistry { get; }

    internal WorkspaceTokenStore WorkspaceTokens { get; }

    internal OidcFederation Federation { get; }

    internal DatabaseTokenStore DatabaseTokens { get; }

    /// <summary>The emulator's clock (<see cref="LakebaseEmulatorOptions.TimeProvider"/>).</summary>
    internal TimeProvider TimeProvider => _options.TimeProvider;

    /// <summary>Starts an emulator: private PostgreSQL server, workspace API and TLS front, each on a free port unless configured.</summary>
    /// <param name="options">Settings; <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Cancels the start (everything started so far is stopped).</param>
    public static async Task<LakebaseEmulator> StartAsync(LakebaseEmulatorOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new LakebaseEmulatorOptions();
        var stopwatch = Stopwatch.StartNew();
        var emulator = new LakebaseEmulator(options);
        try
        {
            await emulator.StartCoreAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await emulator.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        emulator.StartupTime = stopwatch.Elapsed;
        Log.Ready(emulator._logger, stopwatch.ElapsedMilliseconds, emulator.WorkspaceUrl, emulator.Port, emulator.EndpointName);
        return emulator;
    }

    private async Task StartCoreAsync(CancellationToken cancellationToken)
    {
        await _servers.StartAsync(this, cancellationToken).ConfigureAwait(false);
        foreach (var endpoint in _servers.Endpoints)
        {
            endpoint.Control.Start(_options.SuspendAfter);
        }

        if (_servers.ReadReplica is { } replica)
        {
            Faults.ReadReplica.Attach(replica, _servers.Standby!, _logger);
        }
    }

    /// <summary>
    /// Registers a principal and, unless <see cref="EmulatedPrincipal.CreateRole"/> is false, creates and grants its role
    /// (and, with a read replica without injected lag, waits until the standby has the role too).
    /// </summary>
    /// <param name="principal">The principal; an existing one with the same client id is replaced.</param>
    /// <param name="ct">Cancels the role setup.</param>
    public async Task<EmulatedPrincipal> AddPrincipalAsync(EmulatedPrincipal principal, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(principal);
        var provisioner = _servers.Provisioner ?? throw NotStarted();
        PrincipalRegistry.Register(principal);
        PrincipalRegistry.Persist();
        if (principal.CreateRole)
        {
            await provisioner.AddRoleAsync(principal, ct).ConfigureAwait(false);
            await WaitForStandbyAsync(ct).ConfigureAwait(false);
        }

        return principal;
    }

    /// <summary>
    /// Creates a database (unless it exists) that every principal with a role can use like <c>databricks_postgres</c>:
    /// CONNECT, and USAGE + CREATE on its public schema.
    /// </summary>
    /// <param name="name">The database name.</param>
    /// <param name="ct">Cancels the operation.</param>
    public async Task CreateDatabaseAsync(string name, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var provisioner = _servers.Provisioner ?? throw NotStarted();
        await provisioner.CreateDatabaseAsync(name, ct).ConfigureAwait(false);
        await WaitForStandbyAsync(ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Mints a database token directly, as the credential API would (without HTTP, and without touching
    /// <see cref="Counters"/>, which count API traffic only).
    /// </summary>
    /// <param name="principal">Whose role the token logs in as; <see langword="null"/> for <see cref="DefaultPrincipal"/>.</param>
    /// <param name="lifetime">The lifetime; <see langword="null"/> for the fault override or <see cref="LakebaseEmulatorOptions.TokenLifetime"/>.</param>
    public EmulatorDatabaseToken MintDatabaseToken(EmulatedPrincipal? principal = null, TimeSpan? lifetime = null) =>
        lifetime is { } explicitLifetime
            ? DatabaseTokens.Mint((principal ?? DefaultPrincipal).ClientId, explicitLifetime)
            : MintDatabaseTokenCore(principal ?? DefaultPrincipal, null);

    internal EmulatorDatabaseToken MintDatabaseTokenCore(EmulatedPrincipal principal, TimeSpan? requestedTtl) =>
        DatabaseTokens.Mint(principal.ClientId, Faults.TokenLifetimeOverride ?? requestedTtl ?? _options.TokenLifetime);

    /// <summary>
    /// An Npgsql connection string to the TLS front for a principal (no password: add a minted token), with verified
    /// TLS: <c>SSL Mode=VerifyFull</c> and the emulator's CA (<see cref="CaCertificatePath"/>) as root certificate.
    /// </summary>
    /// <param name="principal">The user; <see langword="null"/> for <see cref="DefaultPrincipal"/>.</param>
    /// <param name="database">The database; <see langword="null"/> for <c>databricks_postgres</c>.</param>
    public string GetConnectionString(EmulatedPrincipal? principal = null, string? database = null) =>
        ClientSettings.ConnectionString(this, principal ?? DefaultPrincipal, database ?? Database);

    /// <summary>
    /// The environment a Lakebase app expects (DATABRICKS_HOST, DATABRICKS_CLIENT_ID, DATABRICKS_CLIENT_SECRET or
    /// DATABRICKS_TOKEN, LAKEBASE_ENDPOINT, ENDPOINT_NAME, PGHOST, PGPORT, PGDATABASE, PGUSER), with verified TLS:
    /// PGSSLMODE=verify-full and PGSSLROOTCERT=<see cref="CaCertificatePath"/> (libpq and Npgsql read both).
    /// These are local fake credentials. Databricks' Node driver accepts only require/prefer/disable as PGSSLMODE
    /// (its require verifies, against <c>NODE_EXTRA_CA_CERTS</c>): see the emulator README.
    /// </summary>
    /// <param name="principal">Whose credentials; <see langword="null"/> for <see cref="DefaultPrincipal"/>.</param>
    public IReadOnlyDictionary<string, string> GetEnvironmentVariables(EmulatedPrincipal? principal = null) =>
        ClientSettings.EnvironmentVariables(this, principal ?? DefaultPrincipal);

    /// <summary>
    /// Adds a federation policy for the RFC 8693 token exchange at <see cref="TokenEndpoint"/>: an OIDC ID token
    /// signed (RS256) by <paramref name="signingKeyPem"/>'s key, from <paramref name="issuer"/>, for
    /// <paramref name="audience"/>, not expired, is exchanged for a workspace token of the principal
    /// <paramref name="principalForSubject"/> returns for its <c>sub</c> claim (<see langword="null"/>: refused).
    /// <see cref="TestOidcProvider"/> mints such tokens in tests.
    /// </summary>
    /// <param name="issuer">The exact <c>iss</c> claim, e.g. <c>https://token.actions.githubusercontent.com</c>.</param>
    /// <param name="signingKeyPem">The issuer's RSA public key as PEM (e.g. <see cref="TestOidcProvider.ExportPublicKeyPem"/>).</param>
    /// <param name="audience">The audience the token must carry; Databricks SDKs default to <see cref="TokenEndpoint"/>.</param>
    /// <param name="principalForSubject">Maps the subject to a registered principal.</param>
    public void TrustOidcIssuer(string issuer, string signingKeyPem, string audience, Func<string, EmulatedPrincipal?> principalForSubject)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(issuer);
        ArgumentException.ThrowIfNullOrWhiteSpace(signingKeyPem);
        ArgumentException.ThrowIfNullOrWhiteSpace(audience);
        ArgumentNullException.ThrowIfNull(principalForSubject);
        Federation.Trust(TrustedOidcIssuer.FromPem(issuer, signingKeyPem, audience, principalForSubject));
    }

    /// <summary>
    /// Accepts <paramref name="token"/>, issued by another identity provider (e.g. an Entra ID token for the Azure
    /// Databricks resource, which the emulator cannot validate), as a bearer token of <paramref name="principal"/> on the
    /// workspace API. For tests of clients that obtain Azure tokens from a fake Entra ID.
    /// </summary>
    /// <param name="token">The exact bearer token the client will send.</param>
    /// <param name="principal">A registered principal.</param>
    public void TrustAzureToken(string token, EmulatedPrincipal principal)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(token);
        ArgumentNullException.ThrowIfNull(principal);
        WorkspaceTokens.TrustExternal(token, principal);
    }

    /// <summary>Every database token minted so far stops working for new logins (28P01); open sessions live on.</summary>
    public void RevokeAllTokens()
    {
        DatabaseTokens.RevokeAll();
        Log.TokensRevoked(_logger);
    }

    /// <summary>Closes every client session (both sides) of the read-write endpoint, as a compute failover does; the compute stays up. The read replica has its own (<see cref="ReadReplicaFaults"/>).</summary>
    public void DropAllSessions() => PrimaryEndpoint.Control.DropAllSessions();

    /// <summary>Suspends the read-write endpoint's compute now, as scale-to-zero does: its sessions are dropped and its next connection pays a cold start.</summary>
    /// <param name="ct">Not used; the suspension is immediate.</param>
    public Task SuspendAsync(CancellationToken ct = default)
    {
        PrimaryEndpoint.Control.Suspend("on demand");
        return Task.CompletedTask;
    }

    /// <summary>Restarts the compute: drops every session; the next connection pays a cold start.</summary>
    /// <param name="ct">Not used; the restart is immediate.</param>
    public Task RestartComputeAsync(CancellationToken ct = default)
    {
        PrimaryEndpoint.Control.Restart();
        return Task.CompletedTask;
    }

    /// <summary>
    /// Stops the front, the workspace API and the private server; deletes a temporary data directory. A second call
    /// waits for the first to finish, so that whoever disposes last knows the server is down (and its folder free).
    /// </summary>
    /// <returns>A task that completes when the emulator has stopped.</returns>
    public ValueTask DisposeAsync()
    {
        var stop = new Lazy<Task>(StopAsync);
        var current = Interlocked.CompareExchange(ref _stopping, stop, null) ?? stop;
        return new ValueTask(current.Value);
    }

    private async Task StopAsync()
    {
        await _servers.DisposeAsync().ConfigureAwait(false);
        Log.Stopped(_logger);
    }

    private static InvalidOperationException NotStarted() => new("The emulator has not been started (use LakebaseEmulator.StartAsync).");
}
