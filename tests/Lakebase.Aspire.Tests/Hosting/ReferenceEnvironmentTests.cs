using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Lakebase.TestUtilities;

namespace Lakebase.Aspire.Tests.Hosting;

/// <summary>
/// What an app referencing a Lakebase resource is started with, and what the emulator itself is started with,
/// resolved as the AppHost resolves them when it starts the processes (no process is started here).
/// </summary>
public sealed class ReferenceEnvironmentTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_app_referencing_the_emulator_gets_exactly_the_variables_a_Lakebase_app_reads()
    {
        var builder = DistributedApplication.CreateBuilder([]);
        var db = builder.AddLakebase("db");
        var app = builder.AddExecutable("app", "app", ".").WithReference(db);
        Allocate(db.Resource, workspacePort: 41001, postgresPort: 41002);

        var (_, variables) = await ResolvedConfiguration.ForRunAsync(builder, app.Resource);

        var secret = await db.Resource.ClientSecret.GetValueAsync(Ct);
        Assert.False(string.IsNullOrEmpty(secret));
        Assert.Equal(
            new SortedDictionary<string, string>(StringComparer.Ordinal)
            {
                ["LAKEBASE_ENDPOINT"] = "projects/local/branches/main/endpoints/ep-local-emulator",
                ["DATABRICKS_HOST"] = "http://127.0.0.1:41001",
                ["DATABRICKS_CLIENT_ID"] = db.Resource.ClientId,
                ["DATABRICKS_CLIENT_SECRET"] = secret!,
                ["PGHOST"] = "127.0.0.1",
                ["PGPORT"] = "41002",
                ["PGDATABASE"] = "databricks_postgres",
                ["PGSSLROOTCERT"] = db.Resource.CaCertificatePath,
            },
            new SortedDictionary<string, string>(variables.ToDictionary(), StringComparer.Ordinal));
        Assert.True(Guid.TryParse(db.Resource.ClientId, out _), "a service principal's client id is a UUID");
    }

    [Fact]
    public async Task The_emulator_gets_its_ports_principal_and_CA_file_on_the_command_line_and_its_secret_only_in_its_environment()
    {
        var builder = DistributedApplication.CreateBuilder([]);
        var db = builder.AddLakebase("db");
        Allocate(db.Resource, workspacePort: 41001, postgresPort: 41002);

        var (arguments, environment) = await ResolvedConfiguration.ForRunAsync(builder, db.Resource);

        var secret = await db.Resource.ClientSecret.GetValueAsync(Ct);
        Assert.Equal(
            ["--workspace-port", "41001", "--postgres-port", "41002", "--client-id", db.Resource.ClientId, "--ca-file", db.Resource.CaCertificatePath],
            arguments);
        Assert.Equal(secret, environment["LAKEBASE_EMULATOR_CLIENT_SECRET"]);
        SecretAssert.DoesNotLeak(string.Join(' ', arguments), ("client secret", secret));
        Assert.Equal("lakebase-emulator", db.Resource.Command);
    }

    [Fact]
    public async Task A_persistent_data_directory_replaces_the_throwaway_CA_file_and_the_emulator_project_runs_without_a_rebuild()
    {
        var builder = DistributedApplication.CreateBuilder([]);
        var db = builder.AddLakebase("db").WithDataDirectory("/var/tmp/lakebase-data").WithEmulatorProject("/src/Lakebase.Emulator.Cli");
        Allocate(db.Resource, workspacePort: 41001, postgresPort: 41002);

        var (arguments, _) = await ResolvedConfiguration.ForRunAsync(builder, db.Resource);

        Assert.Equal("dotnet", db.Resource.Command);
        Assert.Equal(["run", "--project", "/src/Lakebase.Emulator.Cli", "--no-build"], arguments.Take(4));
        Assert.Equal(["--data-dir", "/var/tmp/lakebase-data"], arguments.TakeLast(2));
        Assert.DoesNotContain("--ca-file", arguments);
        Assert.Equal("/var/tmp/lakebase-data/lakebase-emulator-ca.pem", db.Resource.CaCertificatePath);
    }

    [Fact]
    public async Task An_app_referencing_a_real_endpoint_gets_the_parameters_and_no_emulator_settings()
    {
        var builder = DistributedApplication.CreateBuilder([]);
        builder.Configuration["Parameters:endpoint"] = "projects/p/branches/b/endpoints/e";
        builder.Configuration["Parameters:host"] = "https://adb-1234567890123456.7.azuredatabricks.net";
        builder.Configuration["Parameters:client-id"] = "7f3c4a8e-6d3b-4c5e-9a51-2f0b9d8c1e42";
        builder.Configuration["Parameters:client-secret"] = "dose-aspire-test-secret";
        var db = builder.AddLakebaseEndpoint(
            "db",
            builder.AddParameter("endpoint"),
            builder.AddParameter("host"),
            builder.AddParameter("client-id"),
            builder.AddParameter("client-secret", secret: true));
        var app = builder.AddExecutable("app", "app", ".").WithReference(db);

        var (_, variables) = await ResolvedConfiguration.ForRunAsync(builder, app.Resource);

        Assert.Equal(
            new SortedDictionary<string, string>(StringComparer.Ordinal)
            {
                ["LAKEBASE_ENDPOINT"] = "projects/p/branches/b/endpoints/e",
                ["DATABRICKS_HOST"] = "https://adb-1234567890123456.7.azuredatabricks.net",
                ["DATABRICKS_CLIENT_ID"] = "7f3c4a8e-6d3b-4c5e-9a51-2f0b9d8c1e42",
                ["DATABRICKS_CLIENT_SECRET"] = "dose-aspire-test-secret",
            },
            new SortedDictionary<string, string>(variables.ToDictionary(), StringComparer.Ordinal));
    }

    [Fact]
    public void A_client_secret_parameter_not_marked_secret_is_refused_with_the_fix()
    {
        var builder = DistributedApplication.CreateBuilder([]);

        var error = Assert.Throws<ArgumentException>(() => builder.AddLakebaseEndpoint(
            "db",
            builder.AddParameter("endpoint"),
            builder.AddParameter("host"),
            builder.AddParameter("client-id"),
            builder.AddParameter("client-secret")));

        Assert.Contains("'client-secret' is not marked secret", error.Message, StringComparison.Ordinal);
        Assert.Contains("secret: true", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_client_id_is_the_same_on_every_run_of_the_same_AppHost_and_differs_between_resources()
    {
        string ClientId(string name) => DistributedApplication.CreateBuilder([]).AddLakebase(name).Resource.ClientId;

        Assert.Equal(ClientId("db"), ClientId("db"));
        Assert.NotEqual(ClientId("db"), ClientId("orders"));
    }

    private static void Allocate(LakebaseEmulatorResource resource, int workspacePort, int postgresPort)
    {
        foreach (var endpoint in resource.Annotations.OfType<EndpointAnnotation>())
        {
            var port = endpoint.Name == LakebaseEmulatorResource.WorkspaceEndpointName ? workspacePort : postgresPort;
            endpoint.Port = endpoint.TargetPort = port;
            endpoint.AllocatedEndpoint = new AllocatedEndpoint(endpoint, "localhost", port);
        }
    }
}
