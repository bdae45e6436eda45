using Lakebase.Emulator.Branches;
using Lakebase.Emulator.Endpoints;

namespace Lakebase.Emulator;

/// <summary>
/// The project's branches: <c>main</c> on the emulator's own cluster, and copies made through the workspace API
/// (<c>POST /api/2.0/postgres/projects/{p}/branches</c>), each a real PostgreSQL server of its own, reached through
/// its read-write endpoint on its own loopback address (see the README, "Branches").
/// </summary>
public sealed partial class LakebaseEmulator
{
    /// <summary>The emulator's one project, <c>projects/{ProjectId}</c> (<c>projects/local</c> by default).</summary>
    public string ProjectName => $"projects/{_options.ProjectId}";

    /// <summary>The project's default branch, <c>projects/{p}/branches/{BranchId}</c> (<c>…/branches/main</c>): the parent of a new branch when none is named.</summary>
    public string DefaultBranchName => $"{ProjectName}/branches/{_options.BranchId}";

    /// <summary>Every branch as it is now, the default branch first; deleted and expired branches are gone.</summary>
    public IReadOnlyList<EmulatedBranch> Branches => BranchRegistry.All.Select(BranchRegistry.Snapshot).ToList();

    /// <summary>
    /// An Npgsql connection string to the endpoint <paramref name="endpointName"/> (any endpoint: a branch's, or the
    /// emulator's own), without a password (add a minted token: tokens log in on every endpoint), with verified TLS
    /// against <see cref="CaCertificatePath"/>. Its host is the endpoint's own loopback address, its port <see cref="Port"/>.
    /// </summary>
    /// <param name="endpointName">The endpoint name, <c>projects/{p}/branches/{b}/endpoints/{e}</c>.</param>
    /// <param name="principal">The user; <see langword="null"/> for <see cref="DefaultPrincipal"/>.</param>
    /// <param name="database">The database; <see langword="null"/> for <c>databricks_postgres</c>.</param>
    public string GetEndpointConnectionString(string endpointName, EmulatedPrincipal? principal = null, string? database = null) =>
        ClientSettings.ConnectionString(this, RequireEndpoint(endpointName).Host, principal ?? DefaultPrincipal, database ?? Database);

    /// <summary>
    /// What <see cref="GetEnvironmentVariables"/> gives, for the endpoint <paramref name="endpointName"/>:
    /// <c>LAKEBASE_ENDPOINT</c>/<c>ENDPOINT_NAME</c> its name and <c>PGHOST</c> its address.
    /// </summary>
    /// <param name="endpointName">The endpoint name, <c>projects/{p}/branches/{b}/endpoints/{e}</c>.</param>
    /// <param name="principal">Whose credentials; <see langword="null"/> for <see cref="DefaultPrincipal"/>.</param>
    public IReadOnlyDictionary<string, string> GetEndpointEnvironmentVariables(string endpointName, EmulatedPrincipal? principal = null) =>
        ClientSettings.EnvironmentVariables(this, principal ?? DefaultPrincipal, endpointName, RequireEndpoint(endpointName).Host);

    internal BranchRegistry BranchRegistry => _servers.Branches ?? throw NotStarted();

    /// <summary>Where a branch's copy lives (tests only); <see langword="null"/> when it has none (any more).</summary>
    internal string? BranchClusterRoot(string branchName) => BranchRegistry.Find(branchName)?.Cluster?.Root;

    /// <summary>The superuser straight to a branch's private server (tests only).</summary>
    internal string BranchAdminConnectionString(string branchName) =>
        BranchRegistry.Find(branchName)?.Cluster?.AdminConnectionString(Database) ?? throw new InvalidOperationException($"Branch '{branchName}' has no copy.");

    private EmulatedEndpoint RequireEndpoint(string endpointName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(endpointName);
        return FindEndpoint(endpointName) ?? throw new ArgumentException(
            $"The emulator has no endpoint '{endpointName}'. Its endpoints: {string.Join(", ", Branches.SelectMany(b => b.EndpointNames))}. " +
            "A branch's endpoint exists once its create operation (POST …/branches/{b}/endpoints?endpoint_id=…) is done.",
            nameof(endpointName));
    }
}
