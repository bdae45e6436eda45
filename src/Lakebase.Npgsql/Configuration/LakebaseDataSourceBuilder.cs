using Lakebase.Npgsql.Configuration;
using Lakebase.Npgsql.Connection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lakebase.Npgsql;

/// <summary>
/// Builds a <see cref="LakebaseDataSource"/> for code without a container (consoles, scripts, design-time factories).
/// In an application with a service collection use <c>services.AddLakebaseDataSource(...)</c> instead, so the
/// container owns and disposes it. <see cref="Build"/> validates everything and makes no network call.
/// </summary>
public sealed class LakebaseDataSourceBuilder : LakebaseConnectionOptionsBuilder<LakebaseDataSourceBuilder>
{
    /// <summary>Starts a builder for an endpoint and a workspace identity.</summary>
    /// <param name="endpoint">The endpoint name, <c>projects/{project}/branches/{branch}/endpoints/{endpoint}</c>.</param>
    /// <param name="oauthOptions">How to authenticate to the workspace (see <see cref="LakebaseOAuthOptions.FromEnvironment()"/>).</param>
    public LakebaseDataSourceBuilder(string endpoint, LakebaseOAuthOptions oauthOptions)
        : base(new LakebaseSettings())
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

    internal LakebaseSettings CollectedSettings => Settings;

    internal IHttpClientFactory? HttpClientFactory { get; set; }

    /// <summary>Where unset values are read from: the process environment, or the container's configuration first.</summary>
    internal Func<string, string?> Variables { get; set; } = Environment.GetEnvironmentVariable;

    /// <summary>Validates the configuration and builds the data source. No network call is made: the endpoint's host, when not configured, is looked up on the first open.</summary>
    /// <returns>A data source; dispose it when done.</returns>
    /// <exception cref="LakebaseConfigurationException">The endpoint name or a setting is malformed or missing; the message lists every problem.</exception>
    public LakebaseDataSource Build() => new(new LakebaseDataSourceParts(CreateRequest()));

    internal LakebaseDataSourceRequest CreateRequest() => LakebaseDataSourceRequest.Create(
        Endpoint,
        OAuthOptions,
        Settings,
        Settings.TimeProvider ?? TimeProvider.System,
        Settings.LoggerFactory ?? NullLoggerFactory.Instance,
        HttpClientFactory,
        Variables);
}
