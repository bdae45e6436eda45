using Lakebase.Npgsql.Configuration;
using Lakebase.Npgsql.Connection;
using Microsoft.Extensions.Configuration;

namespace Lakebase.Npgsql;

/// <summary>
/// Builds a <see cref="LakebaseDataSource"/>: the one construction path behind every way in
/// (<c>AddLakebaseDataSource</c>, <c>UseLakebase</c>, code without a container). In an application with a service
/// collection use <c>services.AddLakebaseDataSource(...)</c> instead of building one yourself, so the container owns
/// and disposes it. <see cref="Resolve"/> and <see cref="Build"/> validate everything and make no network call.
/// </summary>
public sealed class LakebaseDataSourceBuilder : LakebaseConnectionOptionsBuilder<LakebaseDataSourceBuilder>
{
    private LakebaseDataSourceDefinition? _resolved;
    private LakebaseOAuthOptions? _resolvedFrom;

    /// <summary>Starts a builder for an endpoint and a workspace identity.</summary>
    /// <param name="endpoint">The endpoint name, <c>projects/{project}/branches/{branch}/endpoints/{endpoint}</c>.</param>
    /// <param name="oauthOptions">How to authenticate to the workspace (see <see cref="LakebaseOAuthOptions.FromEnvironment()"/>).</param>
    public LakebaseDataSourceBuilder(string endpoint, LakebaseOAuthOptions oauthOptions)
        : this(endpoint, oauthOptions, new LakebaseConnectionOptions())
    {
    }

    /// <summary>Starts a builder for an endpoint, a workspace identity and connection options set elsewhere (a copy is taken).</summary>
    /// <param name="endpoint">The endpoint name, <c>projects/{project}/branches/{branch}/endpoints/{endpoint}</c>.</param>
    /// <param name="oauthOptions">How to authenticate to the workspace.</param>
    /// <param name="connectionOptions">Connection settings, tuning and services to start from.</param>
    public LakebaseDataSourceBuilder(string endpoint, LakebaseOAuthOptions oauthOptions, LakebaseConnectionOptions connectionOptions)
        : base((connectionOptions ?? throw new ArgumentNullException(nameof(connectionOptions))) with { })
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(oauthOptions);
        Endpoint = endpoint;
        OAuthOptions = oauthOptions;
    }

    /// <summary>The endpoint name given to the constructor.</summary>
    public string Endpoint { get; }

    /// <summary>The workspace authentication given to the constructor; change it before <see cref="Build"/>.</summary>
    public LakebaseOAuthOptions OAuthOptions { get; }

    /// <summary>
    /// A builder for options bound from configuration (the <c>"Lakebase"</c> section): values left unset are read, unless
    /// <see cref="LakebaseConnectionOptions.ReadEnvironment"/> is false, from <paramref name="configuration"/>'s keys and
    /// then the process environment: <c>LAKEBASE_ENDPOINT</c> (or <c>ENDPOINT_NAME</c>), Databricks unified authentication
    /// (<c>DATABRICKS_*</c>, <c>~/.databrickscfg</c>) and <c>PG*</c>. The options are not changed.
    /// </summary>
    /// <param name="options">The bound options.</param>
    /// <param name="configuration">The application's configuration, read before the process environment; null for the environment only.</param>
    /// <returns>A builder; further settings can still be applied to it.</returns>
    public static LakebaseDataSourceBuilder FromOptions(LakebaseOptions options, IConfiguration? configuration = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var connection = options.Connection with { Configuration = configuration ?? options.Connection.Configuration };
        var (endpoint, oauth) = LakebaseEnvironment.Apply(options, connection.VariableReader);
        return new LakebaseDataSourceBuilder(endpoint ?? string.Empty, oauth, connection);
    }

    /// <summary>
    /// Resolves and validates the data source this builder describes, from the settings given and, where unset, the
    /// configuration and environment. No network call is made.
    /// </summary>
    /// <returns>The immutable definition the data source is built from.</returns>
    /// <exception cref="LakebaseConfigurationException">The endpoint name or a setting is malformed or missing; the message lists every problem.</exception>
    public LakebaseDataSourceDefinition Resolve()
    {
        // Resolved once however often it is asked for, unless a setting or the OAuth options changed since.
        if (_resolved is null || !OAuthOptions.Equals(_resolvedFrom))
        {
            _resolvedFrom = OAuthOptions with { };
            _resolved = LakebaseDataSourceDefinition.Resolve(Endpoint, OAuthOptions, ConnectionOptions);
        }

        return _resolved;
    }

    /// <summary>Validates the configuration and builds the data source. No network call is made: the endpoint's host, when not configured, is looked up on the first open.</summary>
    /// <returns>A data source; dispose it when done.</returns>
    /// <exception cref="LakebaseConfigurationException">The endpoint name or a setting is malformed or missing; the message lists every problem.</exception>
    public LakebaseDataSource Build() => BuildFrom(Resolve());

    internal static LakebaseDataSource BuildFrom(LakebaseDataSourceDefinition definition) => new(new LakebaseDataSourceParts(definition));

    /// <inheritdoc />
    protected override void OnConnectionSettingChanging(string setting) => _resolved = null;
}
