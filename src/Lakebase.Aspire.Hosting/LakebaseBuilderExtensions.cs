using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Aspire.Hosting.ApplicationModel;
using Lakebase.Aspire.Hosting;
using Lakebase.Aspire.Hosting.Emulator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

// ReSharper disable once CheckNamespace
namespace Aspire.Hosting;

/// <summary>Adds Databricks Lakebase to an Aspire AppHost: the local emulator, or a real endpoint described by parameters.</summary>
public static class LakebaseBuilderExtensions
{
    /// <summary>The variable the emulator reads its principal's secret from (never its command line).</summary>
    internal const string EmulatorClientSecretVariable = "LAKEBASE_EMULATOR_CLIENT_SECRET";

    /// <summary>
    /// Adds the local Lakebase emulator (the <c>lakebase-emulator</c> command of the <c>Lakebase.Emulator.Tool</c>
    /// .NET tool; see <see cref="WithEmulatorCommand"/> and <see cref="WithEmulatorProject"/> for others), fresh each
    /// run unless <see cref="WithDataDirectory"/> is used. It listens on 127.0.0.1 only; its service principal's
    /// secret is a generated secret parameter. Healthy once a Lakebase login answers <c>SELECT 1</c>, so
    /// <c>WaitFor(lakebase)</c> waits for a usable database. Needs PostgreSQL's binaries on the machine (the emulator
    /// runs a private server); no container engine.
    /// </summary>
    /// <param name="builder">The AppHost builder.</param>
    /// <param name="name">The resource name.</param>
    /// <returns>The emulator resource, for <c>WithReference</c> and <c>WaitFor</c>.</returns>
    public static IResourceBuilder<LakebaseEmulatorResource> AddLakebase(this IDistributedApplicationBuilder builder, string name)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);

        var secret = ParameterResourceBuilderExtensions.CreateDefaultPasswordParameter(builder, $"{name}-client-secret", special: false);
        // The CA file is this run's (a fresh emulator has a fresh CA): a unique name, deleted by the emulator at exit.
        var caPath = Path.Combine(Path.GetTempPath(), $"lakebase-aspire-{name}-{Guid.NewGuid():N}-ca.pem");
        var resource = new LakebaseEmulatorResource(name, StableClientId(builder, name), secret, caPath);

        var healthCheckKey = $"{name}_lakebase_login";
        builder.Services.AddKeyedSingleton(healthCheckKey, (_, _) => new EmulatorLoginProbe(resource));
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            healthCheckKey,
            provider => new EmulatorHealthCheck(provider.GetRequiredKeyedService<EmulatorLoginProbe>(healthCheckKey)),
            failureStatus: null,
            tags: null));

        builder.Eventing.Subscribe<BeforeStartEvent>((_, _) =>
        {
            EmulatorPorts.AssignFreePorts(resource);
            return Task.CompletedTask;
        });

        return builder.AddResource(resource)
            .WithHttpEndpoint(name: LakebaseEmulatorResource.WorkspaceEndpointName, isProxied: false)
            .WithEndpoint(name: LakebaseEmulatorResource.PostgresEndpointName, scheme: "tcp", isProxied: false)
            .WithArgs(context =>
            {
                foreach (var argument in resource.LeadingArguments)
                {
                    context.Args.Add(argument);
                }

                context.Args.Add("--workspace-port");
                context.Args.Add(resource.WorkspaceEndpoint.Property(EndpointProperty.TargetPort));
                context.Args.Add("--postgres-port");
                context.Args.Add(resource.PostgresEndpoint.Property(EndpointProperty.TargetPort));
                context.Args.Add("--client-id");
                context.Args.Add(resource.ClientId);
                if (resource.DataDirectory is { } dataDirectory)
                {
                    context.Args.Add("--data-dir");
                    context.Args.Add(dataDirectory);
                }
                else
                {
                    context.Args.Add("--ca-file");
                    context.Args.Add(resource.CaCertificatePath);
                }
            })
            .WithEnvironment(context => context.EnvironmentVariables[EmulatorClientSecretVariable] = resource.ClientSecret)
            .WithHealthCheck(healthCheckKey)
            .ExcludeFromManifest();
    }

    /// <summary>
    /// Adds a real Databricks Lakebase endpoint, described by parameters (in <c>Parameters:{name}</c> configuration,
    /// user secrets or the environment). Nothing runs locally; apps that reference it authenticate as the service
    /// principal with OAuth machine-to-machine and look the host up from the endpoint.
    /// </summary>
    /// <param name="builder">The AppHost builder.</param>
    /// <param name="name">The resource name.</param>
    /// <param name="endpoint">The endpoint name, <c>projects/{project}/branches/{branch}/endpoints/{endpoint}</c>.</param>
    /// <param name="workspaceHost">The workspace URL.</param>
    /// <param name="clientId">The service principal's client id (its UUID, not its display name).</param>
    /// <param name="clientSecret">The service principal's OAuth secret: a secret parameter.</param>
    /// <returns>The endpoint resource, for <c>WithReference</c>; it is Running from the start, so <c>WaitFor</c> does not hold the app.</returns>
    public static IResourceBuilder<LakebaseEndpointResource> AddLakebaseEndpoint(
        this IDistributedApplicationBuilder builder,
        string name,
        IResourceBuilder<ParameterResource> endpoint,
        IResourceBuilder<ParameterResource> workspaceHost,
        IResourceBuilder<ParameterResource> clientId,
        IResourceBuilder<ParameterResource> clientSecret)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(workspaceHost);
        ArgumentNullException.ThrowIfNull(clientId);
        ArgumentNullException.ThrowIfNull(clientSecret);
        if (!clientSecret.Resource.Secret)
        {
            throw new ArgumentException(
                $"The Lakebase client secret parameter '{clientSecret.Resource.Name}' is not marked secret, so the dashboard would show it: add it with builder.AddParameter(\"{clientSecret.Resource.Name}\", secret: true).",
                nameof(clientSecret));
        }

        // Nothing runs locally, so nothing would ever report the resource running, and WaitFor(db) would hold its
        // dependents forever: it is available from the start, as the endpoint itself is (a suspended compute wakes on connect).
        return builder.AddResource(new LakebaseEndpointResource(name, endpoint.Resource, workspaceHost.Resource, clientId.Resource, clientSecret.Resource))
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "LakebaseEndpoint",
                State = new ResourceStateSnapshot(KnownResourceStates.Running, KnownResourceStateStyles.Success),
                Properties = [],
            });
    }

    /// <summary>Names the database apps connect to on a real endpoint (default: the library's, <c>databricks_postgres</c>).</summary>
    /// <param name="builder">The endpoint resource.</param>
    /// <param name="databaseName">The database name.</param>
    /// <returns>The resource.</returns>
    public static IResourceBuilder<LakebaseEndpointResource> WithDatabaseName(this IResourceBuilder<LakebaseEndpointResource> builder, string databaseName)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(databaseName);
        builder.Resource.DatabaseName = databaseName;
        return builder;
    }

    /// <summary>
    /// Keeps the emulator's cluster, principals and CA in <paramref name="path"/> (relative to the AppHost's directory),
    /// so data survives AppHost restarts. Without it each run starts from an empty database.
    /// </summary>
    /// <param name="builder">The emulator resource.</param>
    /// <param name="path">The directory; created on first start.</param>
    /// <returns>The resource.</returns>
    public static IResourceBuilder<LakebaseEmulatorResource> WithDataDirectory(this IResourceBuilder<LakebaseEmulatorResource> builder, string path)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var directory = Path.GetFullPath(path, builder.ApplicationBuilder.AppHostDirectory);
        builder.Resource.DataDirectory = directory;
        builder.Resource.CaCertificatePath = Path.Combine(directory, "lakebase-emulator-ca.pem");
        return builder;
    }

    /// <summary>
    /// Runs the emulator with another command than <c>lakebase-emulator</c> on the PATH, e.g. a local tool:
    /// <c>WithEmulatorCommand("dotnet", "tool", "run", "lakebase-emulator", "--")</c>.
    /// </summary>
    /// <param name="builder">The emulator resource.</param>
    /// <param name="command">The executable.</param>
    /// <param name="leadingArguments">Arguments before the emulator's own options.</param>
    /// <returns>The resource.</returns>
    public static IResourceBuilder<LakebaseEmulatorResource> WithEmulatorCommand(
        this IResourceBuilder<LakebaseEmulatorResource> builder,
        string command,
        params string[] leadingArguments)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(command);
        ArgumentNullException.ThrowIfNull(leadingArguments);
        builder.Resource.LeadingArguments = [.. leadingArguments];
        return builder.WithCommand(command);
    }

    /// <summary>
    /// Runs the emulator from its project (a clone of the Lakebase repository): <c>dotnet run --no-build</c> in the
    /// AppHost's build configuration, so the AppHost should reference the project to have it built.
    /// </summary>
    /// <param name="builder">The emulator resource.</param>
    /// <param name="projectPath">The emulator CLI's project file or directory, relative to the AppHost's directory.</param>
    /// <returns>The resource.</returns>
    public static IResourceBuilder<LakebaseEmulatorResource> WithEmulatorProject(this IResourceBuilder<LakebaseEmulatorResource> builder, string projectPath)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(projectPath);
        var appHost = builder.ApplicationBuilder;
        var configuration = appHost.AppHostAssembly?.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        return builder.WithEmulatorCommand(
            "dotnet",
            "run", "--project", Path.GetFullPath(projectPath, appHost.AppHostDirectory), "--no-build", "--no-launch-profile",
            "--configuration", configuration, "--");
    }

    /// <summary>
    /// Hands the app the emulator's settings in its configuration section <c>Aspire:Lakebase:{name}</c> (what
    /// <c>builder.AddLakebaseDataSource("{name}")</c> reads first) and, when the app references no other Lakebase
    /// resource, as the variables a Lakebase app reads (<c>LAKEBASE_ENDPOINT</c>, <c>DATABRICKS_HOST</c>,
    /// <c>DATABRICKS_CLIENT_ID</c>, <c>DATABRICKS_CLIENT_SECRET</c>, <c>PGHOST</c>, <c>PGPORT</c>, <c>PGDATABASE</c>,
    /// <c>PGSSLROOTCERT</c>). No password: there is none.
    /// </summary>
    /// <typeparam name="TDestination">The app's resource type.</typeparam>
    /// <param name="builder">The app.</param>
    /// <param name="lakebase">The emulator.</param>
    /// <returns>The app.</returns>
    public static IResourceBuilder<TDestination> WithReference<TDestination>(
        this IResourceBuilder<TDestination> builder,
        IResourceBuilder<LakebaseEmulatorResource> lakebase)
        where TDestination : IResourceWithEnvironment =>
        WithLakebase(builder, lakebase);

    /// <summary>
    /// Hands the app a real endpoint's settings in its configuration section <c>Aspire:Lakebase:{name}</c> and, when
    /// the app references no other Lakebase resource, as the variables a Lakebase app reads (<c>LAKEBASE_ENDPOINT</c>,
    /// <c>DATABRICKS_HOST</c>, <c>DATABRICKS_CLIENT_ID</c>, <c>DATABRICKS_CLIENT_SECRET</c>, and <c>PGDATABASE</c> when named).
    /// </summary>
    /// <typeparam name="TDestination">The app's resource type.</typeparam>
    /// <param name="builder">The app.</param>
    /// <param name="lakebase">The endpoint.</param>
    /// <returns>The app.</returns>
    public static IResourceBuilder<TDestination> WithReference<TDestination>(
        this IResourceBuilder<TDestination> builder,
        IResourceBuilder<LakebaseEndpointResource> lakebase)
        where TDestination : IResourceWithEnvironment =>
        WithLakebase(builder, lakebase);

    private static IResourceBuilder<TDestination> WithLakebase<TDestination, TLakebase>(
        IResourceBuilder<TDestination> builder,
        IResourceBuilder<TLakebase> lakebase)
        where TDestination : IResourceWithEnvironment
        where TLakebase : ILakebaseResource
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(lakebase);
        var resource = lakebase.Resource;
        if (References(builder.Resource).Contains(resource))
        {
            return builder;
        }

        return builder
            .WithAnnotation(new LakebaseReferenceAnnotation(resource))
            .WithReferenceRelationship(resource)
            .WithEnvironment(context =>
            {
                // Decided when the app starts, when every reference is known. The unscoped variables describe one
                // database: with two references they would mix two resources' settings (one's host with the other's
                // credentials), so then each resource's settings go only to its own section.
                var only = References(builder.Resource).Count == 1;
                foreach (var (variable, value) in resource.GetEnvironment())
                {
                    if (LakebaseEnvironment.Scoped(resource.Name, variable) is { } scoped)
                    {
                        context.EnvironmentVariables[scoped] = value;
                    }

                    if (only)
                    {
                        context.EnvironmentVariables[variable] = value;
                    }
                }
            });
    }

    private static List<ILakebaseResource> References(IResource app) =>
        [.. app.Annotations.OfType<LakebaseReferenceAnnotation>().Select(a => a.Lakebase).Distinct()];

    /// <summary>
    /// The same client id for the same AppHost and resource on every run (it is also the role name, so a persistent
    /// data directory keeps working); not a secret.
    /// </summary>
    private static string StableClientId(IDistributedApplicationBuilder builder, string name)
    {
        var seed = $"{builder.Configuration["AppHost:PathSha256"]}/{name}";
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes(seed))[..16];
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x50); // version 5 shape: a name-based UUID
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true).ToString();
    }
}
