using Lakebase.Aspire.Hosting;

// ReSharper disable once CheckNamespace
namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// The local Lakebase emulator as an executable resource (no container): the workspace API (OAuth, database
/// credentials) and a TLS PostgreSQL front on 127.0.0.1, with a service principal the AppHost chose and hands to the
/// apps that reference it.
/// </summary>
public sealed class LakebaseEmulatorResource : ExecutableResource, ILakebaseResource
{
    /// <summary>The name of the workspace API's HTTP endpoint.</summary>
    public const string WorkspaceEndpointName = "workspace";

    /// <summary>The name of the TLS PostgreSQL endpoint.</summary>
    public const string PostgresEndpointName = "postgres";

    /// <summary>The endpoint name the emulator serves (its defaults).</summary>
    public const string EmulatedEndpoint = "projects/local/branches/main/endpoints/ep-local-emulator";

    /// <summary>The database the emulator creates.</summary>
    public const string DatabaseName = "databricks_postgres";

    /// <summary>Where the emulator listens; its certificate is valid for this address.</summary>
    public const string Host = "127.0.0.1";

    /// <summary>Creates the resource; use <c>builder.AddLakebase(name)</c>.</summary>
    /// <param name="name">The resource name.</param>
    /// <param name="clientId">The service principal's client id (also its PostgreSQL role).</param>
    /// <param name="clientSecret">The service principal's secret, a secret parameter.</param>
    /// <param name="caCertificatePath">Where the emulator writes its CA certificate for the apps to trust.</param>
    public LakebaseEmulatorResource(string name, string clientId, ParameterResource clientSecret, string caCertificatePath)
        : base(name, "lakebase-emulator", workingDirectory: string.Empty)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(clientId);
        ArgumentNullException.ThrowIfNull(clientSecret);
        ArgumentException.ThrowIfNullOrWhiteSpace(caCertificatePath);
        ClientId = clientId;
        ClientSecret = clientSecret;
        CaCertificatePath = caCertificatePath;
        WorkspaceEndpoint = new EndpointReference(this, WorkspaceEndpointName);
        PostgresEndpoint = new EndpointReference(this, PostgresEndpointName);
    }

    /// <summary>The workspace API (<c>DATABRICKS_HOST</c>).</summary>
    public EndpointReference WorkspaceEndpoint { get; }

    /// <summary>The TLS PostgreSQL front (<c>PGPORT</c>).</summary>
    public EndpointReference PostgresEndpoint { get; }

    /// <summary>The service principal's client id.</summary>
    public string ClientId { get; }

    /// <summary>The service principal's secret.</summary>
    public ParameterResource ClientSecret { get; }

    /// <summary>The CA certificate file the apps verify the server certificate against (<c>PGSSLROOTCERT</c>).</summary>
    public string CaCertificatePath { get; internal set; }

    /// <summary>A persistent data directory (cluster, principals, CA), or <see langword="null"/> for a fresh emulator each run.</summary>
    public string? DataDirectory { get; internal set; }

    /// <summary>Arguments before the emulator's own options (set by <c>WithEmulatorCommand</c>).</summary>
    internal IReadOnlyList<string> LeadingArguments { get; set; } = [];

    /// <summary>The workspace URL as apps use it: the address the emulator's OAuth discovery names.</summary>
    public ReferenceExpression WorkspaceUrl =>
        ReferenceExpression.Create($"http://{Host}:{WorkspaceEndpoint.Property(EndpointProperty.Port)}");

    /// <inheritdoc />
    public IReadOnlyDictionary<string, object> GetEnvironment() => new Dictionary<string, object>(StringComparer.Ordinal)
    {
        [LakebaseEnvironment.Endpoint] = EmulatedEndpoint,
        [LakebaseEnvironment.WorkspaceHost] = WorkspaceUrl,
        [LakebaseEnvironment.ClientId] = ClientId,
        [LakebaseEnvironment.ClientSecret] = ClientSecret,
        [LakebaseEnvironment.Host] = Host,
        [LakebaseEnvironment.Port] = PostgresEndpoint.Property(EndpointProperty.Port),
        [LakebaseEnvironment.Database] = DatabaseName,
        [LakebaseEnvironment.RootCertificate] = CaCertificatePath,
    };
}
