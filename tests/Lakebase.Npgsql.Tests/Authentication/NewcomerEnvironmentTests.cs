using Lakebase.Emulator;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Lakebase.Npgsql.Tests.Authentication;

/// <summary>Tests that change the process environment, so they run alone.</summary>
[CollectionDefinition(nameof(ProcessEnvironmentCollection), DisableParallelization = true)]
public sealed class ProcessEnvironmentCollection;

/// <summary>
/// "Done when": with only <c>databricks auth login</c> done, or only a GitHub Actions OIDC job's variables, the
/// environment alone connects, through the public API (<c>AddLakebaseDataSource()</c>, as <c>UseLakebaseFromEnvironment()</c>
/// builds it). Also the Azure methods whose Azure.Identity credential reads the process environment.
/// </summary>
[Collection(nameof(ProcessEnvironmentCollection))]
public sealed class NewcomerEnvironmentTests(AuthEmulatorFixture fixture) : IClassFixture<AuthEmulatorFixture>, IDisposable
{
    private static readonly string[] Cleared =
    [
        "DATABRICKS_HOST", "DATABRICKS_TOKEN", "DATABRICKS_CLIENT_ID", "DATABRICKS_CLIENT_SECRET", "DATABRICKS_CONFIG_PROFILE", "DATABRICKS_CONFIG_FILE",
        "DATABRICKS_AUTH_TYPE", "DATABRICKS_CLI_PATH", "DATABRICKS_METADATA_SERVICE_URL", "DATABRICKS_OIDC_TOKEN", "DATABRICKS_OIDC_TOKEN_FILEPATH",
        "ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "ARM_CLIENT_ID", "ARM_CLIENT_SECRET", "ARM_TENANT_ID", "ARM_USE_MSI",
        "DATABRICKS_AZURE_RESOURCE_ID", "IDENTITY_ENDPOINT", "IDENTITY_HEADER", "MSI_ENDPOINT", "MSI_SECRET", "LAKEBASE_ENDPOINT", "ENDPOINT_NAME",
        "PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGSSLMODE", "PGSSLROOTCERT", "PGAPPNAME", "HOME", "PATH",
    ];

    private readonly Dictionary<string, string?> _saved = Cleared.ToDictionary(n => n, Environment.GetEnvironmentVariable);
    private readonly string _home = AuthEmulatorFixture.TempDirectory();

    [Fact]
    public async Task After_databricks_auth_login_the_environment_alone_connects()
    {
        // What `databricks auth login --host H` leaves: a DEFAULT profile with host and auth_type, and the CLI on PATH.
        var bin = Directory.CreateDirectory(Path.Combine(_home, "bin")).FullName;
        AuthEmulatorFixture.WriteFakeDatabricksCli(bin, fixture.User.PersonalAccessToken!, padToCliSize: true);
        File.WriteAllText(Path.Combine(_home, ".databrickscfg"), $"[DEFAULT]\nhost = {fixture.Host}\nauth_type = databricks-cli\n");
        SetNewcomerEnvironment(("PATH", bin + ":/usr/bin:/bin"));

        Assert.Equal("dev@example.com", await ConnectFromEnvironmentAsync());
        Assert.Equal("auth token --profile DEFAULT", File.ReadAllLines(Path.Combine(bin, "cli-args")).Single());
    }

    [Fact]
    public async Task A_github_actions_oidc_job_connects_with_only_its_variables()
    {
        const string requestToken = "actions-request-token-fedcba9876543210";
        await using var actions = new LoopbackHttpServer(context => LoopbackHttpServer.JsonAsync(context,
            $$"""{"value": "{{fixture.Oidc.MintToken("repo:acme/app:ref:refs/heads/main", context.Request.QueryString["audience"]!)}}"}"""));
        SetNewcomerEnvironment(
            ("PATH", "/usr/bin:/bin"),
            ("DATABRICKS_HOST", fixture.Host),
            ("DATABRICKS_CLIENT_ID", fixture.ServicePrincipal.ClientId),
            ("ACTIONS_ID_TOKEN_REQUEST_URL", new Uri(actions.Url, "token?api-version=2.0").ToString()),
            ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", requestToken));

        Assert.Equal(fixture.ServicePrincipal.ClientId, await ConnectFromEnvironmentAsync());
    }

    [Fact]
    public async Task Azure_msi_uses_the_app_service_identity_endpoint_and_the_user_assigned_client_id()
    {
        // ManagedIdentityCredential reads IDENTITY_ENDPOINT/IDENTITY_HEADER (App Service), pointed at a loopback fake.
        const string entraToken = "eyJ0eXAiOiJKV1QifQ.eyJtc2kiOiJ5ZXMifQ.c2lnbmF0dXJlMg";
        var identity = await fixture.Emulator.AddPrincipalAsync(EmulatedPrincipal.CreateServicePrincipal(), TestContext.Current.CancellationToken);
        fixture.Emulator.TrustAzureToken(entraToken, identity);
        await using var msi = new LoopbackHttpServer(context => LoopbackHttpServer.JsonAsync(context,
            context.Request.Headers["X-IDENTITY-HEADER"] == "msi-header" && context.Request.QueryString["resource"] == "2ff814a6-3304-4ab8-85cb-cd0e6f879c1d"
                ? $$"""{"access_token": "{{entraToken}}", "expires_on": "{{DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds()}}", "resource": "2ff814a6-3304-4ab8-85cb-cd0e6f879c1d", "token_type": "Bearer", "client_id": "{{identity.ClientId}}"}"""
                : """{"error": "invalid_request"}""",
            context.Request.Headers["X-IDENTITY-HEADER"] == "msi-header" ? 200 : 400));
        SetNewcomerEnvironment(
            ("PATH", "/usr/bin:/bin"),
            ("DATABRICKS_HOST", fixture.Host),
            ("DATABRICKS_AZURE_RESOURCE_ID", "/subscriptions/s/resourceGroups/g/providers/Microsoft.Databricks/workspaces/w"),
            ("ARM_USE_MSI", "true"),
            ("ARM_CLIENT_ID", identity.ClientId),
            ("IDENTITY_ENDPOINT", new Uri(msi.Url, "msi/token").ToString()),
            ("IDENTITY_HEADER", "msi-header"));

        Assert.Equal(identity.ClientId, await ConnectFromEnvironmentAsync());
    }

    [Fact]
    public async Task Azure_cli_runs_az_and_the_user_is_looked_up()
    {
        // AzureCliCredential runs `az account get-access-token --output json --resource ...` through /bin/sh with PATH.
        const string entraToken = "eyJ0eXAiOiJKV1QifQ.eyJ1c2VyIjoiZGV2In0.c2lnbmF0dXJlMw";
        fixture.Emulator.TrustAzureToken(entraToken, fixture.User);
        var bin = Directory.CreateDirectory(Path.Combine(_home, "bin")).FullName;
        var expires = DateTimeOffset.UtcNow.AddHours(1);
        AuthEmulatorFixture.WriteScript(bin, "az", $$"""
            echo "$@" > "{{bin}}/az-args"
            echo '{"accessToken": "{{entraToken}}", "expiresOn": "{{expires.LocalDateTime:yyyy-MM-dd HH:mm:ss.ffffff}}", "expires_on": {{expires.ToUnixTimeSeconds()}}, "tenant": "t", "tokenType": "Bearer"}'
            """);
        SetNewcomerEnvironment(
            ("PATH", bin + ":/usr/bin:/bin"),
            ("DATABRICKS_HOST", fixture.Host),
            ("DATABRICKS_AUTH_TYPE", "azure-cli"),
            ("DATABRICKS_AZURE_RESOURCE_ID", "/subscriptions/s/resourceGroups/g/providers/Microsoft.Databricks/workspaces/w"));

        Assert.Equal("dev@example.com", await ConnectFromEnvironmentAsync());
        Assert.Contains("2ff814a6-3304-4ab8-85cb-cd0e6f879c1d", File.ReadAllText(Path.Combine(bin, "az-args")));
    }

    public void Dispose()
    {
        foreach (var (name, value) in _saved)
        {
            Environment.SetEnvironmentVariable(name, value);
        }

        Directory.Delete(_home, recursive: true);
    }

    /// <summary>A newcomer's shell: HOME, the endpoint, and (emulator only) its port and CA; nothing else.</summary>
    private void SetNewcomerEnvironment(params (string Name, string? Value)[] variables)
    {
        foreach (var name in Cleared)
        {
            Environment.SetEnvironmentVariable(name, null);
        }

        Environment.SetEnvironmentVariable("HOME", _home);
        Environment.SetEnvironmentVariable("LAKEBASE_ENDPOINT", fixture.Emulator.EndpointName);
        Environment.SetEnvironmentVariable("PGPORT", fixture.Emulator.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Environment.SetEnvironmentVariable("PGSSLROOTCERT", fixture.Emulator.CaCertificatePath);
        foreach (var (name, value) in variables)
        {
            Environment.SetEnvironmentVariable(name, value);
        }
    }

    private static async Task<string> ConnectFromEnvironmentAsync()
    {
        var services = new ServiceCollection().AddLakebaseDataSource();
        await using var provider = services.BuildServiceProvider();
        var dataSource = provider.GetRequiredService<LakebaseDataSource>();
        await using var connection = await dataSource.OpenConnectionAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand("select current_user", connection);
        return (string)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }
}
