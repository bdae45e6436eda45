using System.Security.Cryptography;
using System.Text;
using Lakebase.Npgsql.Authentication;
using Lakebase.Npgsql.Configuration;
using Npgsql;

namespace Lakebase.Npgsql;

/// <summary>
/// Everything a Lakebase data source is, resolved once from code, configuration and the environment, validated, and
/// immutable: the endpoint, the workspace identity, the connection settings and the services it uses. Every way of
/// building a data source goes through one (<see cref="LakebaseDataSourceBuilder.Resolve"/>); configuration validation
/// reports the problems of that same resolution. Resolving makes no network call.
/// </summary>
/// <remarks>
/// Two definitions are equal when they describe the same data source: the same endpoint and connection settings, the
/// same identity (secrets compared by one-way fingerprints, never kept in clear here) and the same service instances.
/// Libraries that share data sources (as <c>UseLakebase(endpoint, oauth)</c> does) key on it. It holds no secret in
/// clear in its public members, and <see cref="ToString"/> shows none.
/// </remarks>
public sealed class LakebaseDataSourceDefinition : IEquatable<LakebaseDataSourceDefinition>
{
    private readonly Identity _identity;

    internal LakebaseDataSourceDefinition(
        LakebaseEndpointName endpoint,
        CredentialsPlan plan,
        LakebaseOAuthOptions oauth,
        LakebaseConnectionOptions options,
        LakebaseConnectionSettings connection)
    {
        EndpointName = endpoint;
        Plan = plan;
        OAuth = oauth;
        Options = options;
        Connection = connection;

        // Options are compared without the configuration they were read from: what was read is in Connection and OAuth.
        _identity = new Identity(endpoint.Name, plan.WorkspaceUrl, oauth.DescribeIdentity(Fingerprint), oauth.TokenProvider, connection, options with { Configuration = null, ReadOnlyEndpoints = null, ReadOnlyHosts = null });
    }

    /// <summary>The endpoint name, <c>projects/{project}/branches/{branch}/endpoints/{endpoint}</c>.</summary>
    public string Endpoint => EndpointName.Name;

    /// <summary>The workspace that issues the database credentials.</summary>
    public Uri WorkspaceUrl => Plan.WorkspaceUrl;

    /// <summary>The authentication methods that will be tried, in order (one when <c>DATABRICKS_AUTH_TYPE</c> names it).</summary>
    public IReadOnlyList<string> AuthenticationMethods => [.. Plan.Candidates.Select(c => c.Name)];

    /// <summary>The host, or null when it is looked up from the workspace API on the first open.</summary>
    public string? Host => Connection.Host;

    /// <summary>The port.</summary>
    public int Port => Connection.Port;

    /// <summary>The database.</summary>
    public string Database => Connection.Database;

    /// <summary>The PostgreSQL role, or null when it is found on the first open (the user the workspace reports for the token).</summary>
    public string? Username => Connection.Username;

    /// <summary>The SSL mode connections use.</summary>
    public SslMode SslMode => Connection.SslMode;

    /// <summary>Whether reads can be routed to read-only hosts (readable secondaries, read-only endpoints or hosts given).</summary>
    public bool HasReadOnlyHosts => Connection.ReadRouting.IsEnabled;

    /// <summary>How long an open may take, credential request and cold start included.</summary>
    public TimeSpan ConnectTimeout => Options.ConnectTimeout ?? LakebaseConnectionDefaults.ConnectTimeout;

    internal LakebaseEndpointName EndpointName { get; }

    internal CredentialsPlan Plan { get; }

    internal LakebaseOAuthOptions OAuth { get; }

    /// <summary>A private copy of the options it was resolved from (tuning and services).</summary>
    internal LakebaseConnectionOptions Options { get; }

    internal LakebaseConnectionSettings Connection { get; }

    /// <inheritdoc />
    public bool Equals(LakebaseDataSourceDefinition? other) => other is not null && _identity.Equals(other._identity);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as LakebaseDataSourceDefinition);

    /// <inheritdoc />
    public override int GetHashCode() => _identity.GetHashCode();

    /// <summary>Describes the data source without secrets.</summary>
    /// <returns>Endpoint, user, server and authentication.</returns>
    public override string ToString() =>
        $"endpoint={Endpoint} user={Username ?? "(looked up on first open)"} server={Host ?? "(looked up on first open)"}:{Port}/{Database} " +
        $"workspace={WorkspaceUrl.GetLeftPart(UriPartial.Authority)} auth={string.Join(",", AuthenticationMethods)}";

    /// <summary>
    /// Resolves and validates a definition (no I/O beyond reading the configuration file of a named profile).
    /// </summary>
    /// <exception cref="LakebaseConfigurationException">Something is malformed, missing or contradictory; the message lists every problem.</exception>
    internal static LakebaseDataSourceDefinition Resolve(string endpoint, LakebaseOAuthOptions oauth, LakebaseConnectionOptions options)
    {
        var getVariable = options.VariableReader;
        var problems = new List<string>();
        LakebaseEndpointName? name = null;
        Collect(problems, () => name = LakebaseEndpointName.Parse(endpoint));

        // Options built in code stay as given; a named profile (or nothing at all) is read from the configuration file.
        var resolved = UnifiedAuthConfig.Resolve(oauth, getVariable, readEnvironment: false);
        CredentialsPlan? plan = null;
        Collect(problems, () => plan = resolved.Plan(getVariable));
        LakebaseConnectionSettings? connection = null;
        Collect(problems, () => connection = LakebaseConnectionSettings.Resolve(options, endpoint, plan?.ServicePrincipalId, getVariable));
        if (problems.Count > 0)
        {
            throw new LakebaseConfigurationException(
                "The Lakebase data source settings are not usable:" + Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => " - " + p)));
        }

        return new LakebaseDataSourceDefinition(name!, plan!, resolved, options with { }, connection!);
    }

    /// <summary>A one-way fingerprint of a secret: equal secrets match, and nothing can be read back.</summary>
    internal static string Fingerprint(string secret) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(secret)), 0, 12);

    /// <summary>
    /// The problems a configuration error lists (its " - " lines), or its whole message: one line per problem, so that
    /// validation can show each under the configuration key it concerns.
    /// </summary>
    internal static IReadOnlyList<string> ProblemLines(LakebaseConfigurationException error)
    {
        var lines = error.Message.Split(Environment.NewLine).Where(l => l.StartsWith(" - ", StringComparison.Ordinal)).Select(l => l[3..]).ToList();
        return lines.Count > 0 ? lines : [error.Message];
    }

    private static void Collect(List<string> problems, Action resolve)
    {
        try
        {
            resolve();
        }
        catch (LakebaseConfigurationException e)
        {
            problems.AddRange(ProblemLines(e));
        }
    }

    private readonly record struct Identity(
        string Endpoint,
        Uri WorkspaceUrl,
        string Credentials,
        Delegate? TokenProvider,
        LakebaseConnectionSettings Connection,
        LakebaseConnectionOptions Options);
}
