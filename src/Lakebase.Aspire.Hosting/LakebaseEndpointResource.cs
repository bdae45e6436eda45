using Lakebase.Aspire.Hosting;

// ReSharper disable once CheckNamespace
namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// A real Databricks Lakebase endpoint, described by parameters: nothing runs locally. The client secret is a secret
/// parameter, never text in the AppHost.
/// </summary>
/// <param name="name">The resource name.</param>
/// <param name="endpoint">The endpoint name, <c>projects/{project}/branches/{branch}/endpoints/{endpoint}</c>.</param>
/// <param name="workspaceHost">The workspace URL, e.g. <c>https://adb-1234567890123456.7.azuredatabricks.net</c>.</param>
/// <param name="clientId">The service principal's client id (a UUID, not its display name).</param>
/// <param name="clientSecret">The service principal's OAuth secret (a secret parameter).</param>
public sealed class LakebaseEndpointResource(
    string name,
    ParameterResource endpoint,
    ParameterResource workspaceHost,
    ParameterResource clientId,
    ParameterResource clientSecret) : Resource(name), ILakebaseResource
{
    /// <summary>The endpoint name parameter.</summary>
    public ParameterResource Endpoint { get; } = endpoint ?? throw new ArgumentNullException(nameof(endpoint));

    /// <summary>The workspace URL parameter.</summary>
    public ParameterResource WorkspaceHost { get; } = workspaceHost ?? throw new ArgumentNullException(nameof(workspaceHost));

    /// <summary>The client id parameter.</summary>
    public ParameterResource ClientId { get; } = clientId ?? throw new ArgumentNullException(nameof(clientId));

    /// <summary>The client secret parameter.</summary>
    public ParameterResource ClientSecret { get; } = clientSecret ?? throw new ArgumentNullException(nameof(clientSecret));

    /// <summary>The database name, or <see langword="null"/> for the library's default (<c>databricks_postgres</c>).</summary>
    public string? DatabaseName { get; internal set; }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, object> GetEnvironment()
    {
        // Host and port are looked up from the endpoint by the library; TLS is verified against the system's CAs.
        var variables = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            [LakebaseEnvironment.Endpoint] = Endpoint,
            [LakebaseEnvironment.WorkspaceHost] = WorkspaceHost,
            [LakebaseEnvironment.ClientId] = ClientId,
            [LakebaseEnvironment.ClientSecret] = ClientSecret,
        };
        if (DatabaseName is { } database)
        {
            variables[LakebaseEnvironment.Database] = database;
        }

        return variables;
    }
}
