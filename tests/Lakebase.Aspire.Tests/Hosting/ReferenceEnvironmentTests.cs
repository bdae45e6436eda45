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
        AllocatedPorts.Allocate(db.Resource, workspacePort: 41001, postgresPort: 41002);

        var (_, variables) = await ResolvedConfiguration.ForRunAsync(builder, app.Resource);

        var secret = await db.Resource.ClientSecret.GetValueAsync(Ct);
        Assert.False(string.IsNullOrEmpty(secret));
        Assert.Equal(
            WithScoped("db", await EmulatorVariablesAsync(db.Resource, workspacePort: 41001, postgresPort: 41002)),
            new SortedDictionary<string, string>(variables.ToDictionary(), StringComparer.Ordinal));
        Assert.True(Guid.TryParse(db.Resource.ClientId, out _), "a service principal's client id is a UUID");
    }

    [Fact]
    public async Task An_app_referencing_two_Lakebase_resources_gets_each_ones_settings_in_its_own_section_and_no_unscoped_variables()
    {
        var builder = DistributedApplication.CreateBuilder([]);
        var orders = builder.AddLakebase("orders");
        var catalog = builder.AddLakebase("catalog");
        var app = builder.AddExecutable("app", "app", ".").WithReference(orders).WithReference(catalog).WithReference(orders);
        AllocatedPorts.Allocate(orders.Resource, workspacePort: 41001, postgresPort: 41002);
        AllocatedPorts.Allocate(catalog.Resource, workspacePort: 41003, postgresPort: 41004);

        var (_, variables) = await ResolvedConfiguration.ForRunAsync(builder, app.Resource);

        // Unscoped variables would have to be one resource's or a mix (one's PGHOST with the other's secret).
        var ordersSection = Scoped("orders", await EmulatorVariablesAsync(orders.Resource, workspacePort: 41001, postgresPort: 41002));
        var catalogSection = Scoped("catalog", await EmulatorVariablesAsync(catalog.Resource, workspacePort: 41003, postgresPort: 41004));
        Assert.Equal(
            new SortedDictionary<string, string>(ordersSection.Concat(catalogSection).ToDictionary(StringComparer.Ordinal), StringComparer.Ordinal),
            new SortedDictionary<string, string>(variables.ToDictionary(), StringComparer.Ordinal));
    }

    [Fact]
    public async Task The_emulator_gets_its_ports_principal_and_CA_file_on_the_command_line_and_its_secret_only_in_its_environment()
    {
        var builder = DistributedApplication.CreateBuilder([]);
        var db = builder.AddLakebase("db");
        AllocatedPorts.Allocate(db.Resource, workspacePort: 41001, postgresPort: 41002);

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
        AllocatedPorts.Allocate(db.Resource, workspacePort: 41001, postgresPort: 41002);

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
            WithScoped("db", new SortedDictionary<string, string>(StringComparer.Ordinal)
            {
                ["LAKEBASE_ENDPOINT"] = "projects/p/branches/b/endpoints/e",
                ["DATABRICKS_HOST"] = "https://adb-1234567890123456.7.azuredatabricks.net",
                ["DATABRICKS_CLIENT_ID"] = "7f3c4a8e-6d3b-4c5e-9a51-2f0b9d8c1e42",
                ["DATABRICKS_CLIENT_SECRET"] = "dose-aspire-test-secret",
            }),
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

    // What an app gets from an emulator whose endpoints were given these ports, as the unscoped variables.
    private static async Task<SortedDictionary<string, string>> EmulatorVariablesAsync(LakebaseEmulatorResource emulator, int workspacePort, int postgresPort) =>
        new(StringComparer.Ordinal)
        {
            ["LAKEBASE_ENDPOINT"] = "projects/local/branches/main/endpoints/ep-local-emulator",
            ["DATABRICKS_HOST"] = $"http://127.0.0.1:{workspacePort}",
            ["DATABRICKS_CLIENT_ID"] = emulator.ClientId,
            ["DATABRICKS_CLIENT_SECRET"] = (await emulator.ClientSecret.GetValueAsync(Ct))!,
            ["PGHOST"] = "127.0.0.1",
            ["PGPORT"] = $"{postgresPort}",
            ["PGDATABASE"] = "databricks_postgres",
            ["PGSSLROOTCERT"] = emulator.CaCertificatePath,
        };

    // The unscoped variables plus the same values in the resource's own section.
    private static SortedDictionary<string, string> WithScoped(string resource, SortedDictionary<string, string> unscoped)
    {
        var all = new SortedDictionary<string, string>(unscoped, StringComparer.Ordinal);
        foreach (var (variable, value) in Scoped(resource, unscoped))
        {
            all.Add(variable, value);
        }

        return all;
    }

    // The same values in the resource's own section, under the LakebaseOptions key each unscoped variable fills.
    private static Dictionary<string, string> Scoped(string resource, SortedDictionary<string, string> unscoped)
    {
        var keys = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["LAKEBASE_ENDPOINT"] = "Endpoint", ["DATABRICKS_HOST"] = "WorkspaceHost", ["DATABRICKS_CLIENT_ID"] = "ClientId",
            ["DATABRICKS_CLIENT_SECRET"] = "ClientSecret", ["PGHOST"] = "Host", ["PGPORT"] = "Port", ["PGDATABASE"] = "Database",
            ["PGSSLROOTCERT"] = "RootCertificate",
        };
        return unscoped.ToDictionary(v => $"Aspire__Lakebase__{resource}__{keys[v.Key]}", v => v.Value, StringComparer.Ordinal);
    }
}
