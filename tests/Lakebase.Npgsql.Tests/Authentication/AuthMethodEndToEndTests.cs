using System.Net;
using Azure.Core.Pipeline;
using Microsoft.Extensions.Logging;
using Lakebase.TestUtilities;

namespace Lakebase.Npgsql.Tests.Authentication;

/// <summary>Each method end to end: options resolved from a test environment, the data source opened, a real login on the emulator.
/// Run alone: the credential refreshes they cause would show up in other tests' process-wide telemetry listeners.</summary>
[Collection(nameof(ProcessEnvironmentCollection))]
public sealed class AuthMethodEndToEndTests(AuthEmulatorFixture fixture) : IClassFixture<AuthEmulatorFixture>, IDisposable
{
    private readonly string _home = AuthEmulatorFixture.TempDirectory();

    [Fact]
    public async Task Pat_logs_in_as_the_user_scim_me_reports()
    {
        var env = Env(("DATABRICKS_HOST", fixture.Host), ("DATABRICKS_TOKEN", fixture.User.PersonalAccessToken));
        var (current, username, source) = await fixture.LogInAsync(LakebaseOAuthOptions.FromEnvironment(env), env);
        Assert.Equal("dev@example.com", current);
        Assert.Equal("dev@example.com", username);
        Assert.Equal("pat", source);
    }

    [Fact]
    public async Task A_configured_username_skips_the_lookup()
    {
        // The emulator has no role "someone-else": the override is used as given, without asking SCIM Me.
        var env = Env(("DATABRICKS_HOST", fixture.Host), ("DATABRICKS_TOKEN", fixture.User.PersonalAccessToken));
        var error = await Assert.ThrowsAnyAsync<Exception>(() => fixture.LogInAsync(LakebaseOAuthOptions.FromEnvironment(env), env, b => b.Username("someone-else")));
        Assert.DoesNotContain("SCIM", error.Message);
        SecretAssert.DoesNotLeak(error.ToString(), ("pat", fixture.User.PersonalAccessToken));
    }

    [Fact]
    public async Task Oauth_m2m_discovers_the_token_endpoint_and_logs_in_as_the_client_id()
    {
        var env = Env(("DATABRICKS_HOST", fixture.Host), ("DATABRICKS_CLIENT_ID", fixture.ServicePrincipal.ClientId), ("DATABRICKS_CLIENT_SECRET", fixture.ServicePrincipal.ClientSecret));
        var (current, _, source) = await fixture.LogInAsync(LakebaseOAuthOptions.FromEnvironment(env), env);
        Assert.Equal(fixture.ServicePrincipal.ClientId, current);
        Assert.StartsWith("oauth-m2m", source);
    }

    [Fact]
    public async Task Databricks_cli_runs_auth_token_with_the_host_and_logs_in_as_the_user()
    {
        // databricks-sdk-go config/cli_token_source.go buildHostCommand: [cli, "auth", "token", "--host", host].
        var cli = AuthEmulatorFixture.WriteFakeDatabricksCli(_home, fixture.User.PersonalAccessToken!);
        var env = Env(("DATABRICKS_HOST", fixture.Host), ("DATABRICKS_CLI_PATH", cli));
        var (current, _, source) = await fixture.LogInAsync(LakebaseOAuthOptions.FromEnvironment(env), env);
        Assert.Equal("dev@example.com", current);
        Assert.Equal("databricks-cli", source);
        Assert.Equal($"auth token --host {fixture.Host}", File.ReadAllLines(Path.Combine(_home, "cli-args")).Single());
    }

    [Fact]
    public async Task Databricks_cli_is_asked_with_the_profile_when_one_is_used()
    {
        // buildCoreCliCommand: [cli, "auth", "token", "--profile", profile] when cfg.Profile is set.
        var cli = AuthEmulatorFixture.WriteFakeDatabricksCli(_home, fixture.User.PersonalAccessToken!);
        File.WriteAllText(Path.Combine(_home, ".databrickscfg"), $"[dev]\nhost = {fixture.Host}\nauth_type = databricks-cli\n");
        var env = Env(("DATABRICKS_CONFIG_PROFILE", "dev"), ("DATABRICKS_CLI_PATH", cli));
        var (current, _, _) = await fixture.LogInAsync(LakebaseOAuthOptions.FromEnvironment(env), env);
        Assert.Equal("dev@example.com", current);
        Assert.Equal("auth token --profile dev", File.ReadAllLines(Path.Combine(_home, "cli-args")).Single());
    }

    [Fact]
    public async Task Env_oidc_and_file_oidc_exchange_an_id_token_for_the_service_principal()
    {
        var jwt = fixture.Oidc.MintToken("repo:acme/app:ref:refs/heads/main", fixture.Emulator.TokenEndpoint.ToString());
        var env = Env(("DATABRICKS_HOST", fixture.Host), ("DATABRICKS_CLIENT_ID", fixture.ServicePrincipal.ClientId), ("DATABRICKS_OIDC_TOKEN", jwt));
        var (current, _, source) = await fixture.LogInAsync(LakebaseOAuthOptions.FromEnvironment(env), env);
        Assert.Equal(fixture.ServicePrincipal.ClientId, current);
        Assert.Equal("env-oidc", source);

        var file = Path.Combine(_home, "token");
        File.WriteAllText(file, jwt + "\n");
        // client_id (group "oauth") beside oidc_token_filepath (group "file-oidc") needs auth_type, as databricks-sdk-py
        // config.py _validate requires (its tests/test_auth_profiles.py sets auth_type="file-oidc" with a client_id).
        env = Env(("DATABRICKS_HOST", fixture.Host), ("DATABRICKS_CLIENT_ID", fixture.ServicePrincipal.ClientId), ("DATABRICKS_OIDC_TOKEN_FILEPATH", file));
        Assert.Contains("file-oidc and oauth", (await Assert.ThrowsAsync<LakebaseConfigurationException>(() => fixture.LogInAsync(LakebaseOAuthOptions.FromEnvironment(env), env))).Message);
        env = Env(("DATABRICKS_HOST", fixture.Host), ("DATABRICKS_CLIENT_ID", fixture.ServicePrincipal.ClientId), ("DATABRICKS_OIDC_TOKEN_FILEPATH", file), ("DATABRICKS_AUTH_TYPE", "file-oidc"));
        (current, _, source) = await fixture.LogInAsync(LakebaseOAuthOptions.FromEnvironment(env), env);
        Assert.Equal(fixture.ServicePrincipal.ClientId, current);
        Assert.Equal("file-oidc", source);
    }

    [Fact]
    public async Task Github_oidc_requests_an_id_token_for_the_token_endpoint_audience_and_exchanges_it()
    {
        // oidc/github.go: GET {ACTIONS_ID_TOKEN_REQUEST_URL}&audience={aud}, Bearer ACTIONS_ID_TOKEN_REQUEST_TOKEN, {"value": jwt}.
        const string requestToken = "actions-request-token-0123456789abcdef";
        await using var actions = new LoopbackHttpServer(async context =>
        {
            var audience = context.Request.QueryString["audience"]!;
            var ok = context.Request.Headers["Authorization"] == "Bearer " + requestToken;
            await LoopbackHttpServer.JsonAsync(context, ok ? $$"""{"value": "{{fixture.Oidc.MintToken("repo:acme/app:ref:refs/heads/main", audience)}}"}""" : "{}", ok ? 200 : 401);
        });
        var env = Env(("DATABRICKS_HOST", fixture.Host), ("DATABRICKS_CLIENT_ID", fixture.ServicePrincipal.ClientId),
            ("ACTIONS_ID_TOKEN_REQUEST_URL", new Uri(actions.Url, "token?api-version=2.0").ToString()), ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", requestToken));
        var (current, _, source) = await fixture.LogInAsync(LakebaseOAuthOptions.FromEnvironment(env), env);
        Assert.Equal(fixture.ServicePrincipal.ClientId, current);
        Assert.Equal("github-oidc", source);
        Assert.Contains("audience=" + Uri.EscapeDataString(fixture.Emulator.TokenEndpoint.ToString()), Assert.Single(actions.Requests));
    }

    [Fact]
    public async Task Metadata_service_tokens_are_used_with_the_host_header_and_the_user_is_looked_up()
    {
        // auth_metadata_service.go: X-Databricks-Metadata-Version: 1, X-Databricks-Host; {access_token, token_type, expires_on}.
        string? hostHeader = null;
        await using var metadata = new LoopbackHttpServer(async context =>
        {
            hostHeader = context.Request.Headers["X-Databricks-Host"];
            var ok = context.Request.Headers["X-Databricks-Metadata-Version"] == "1";
            await LoopbackHttpServer.JsonAsync(context, $$"""{"access_token": "{{fixture.User.PersonalAccessToken}}", "token_type": "Bearer", "expires_on": {{DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds()}}}""", ok ? 200 : 400);
        });
        var env = Env(("DATABRICKS_HOST", fixture.Host), ("DATABRICKS_METADATA_SERVICE_URL", metadata.Url.ToString()));
        var (current, _, source) = await fixture.LogInAsync(LakebaseOAuthOptions.FromEnvironment(env), env);
        Assert.Equal("dev@example.com", current);
        Assert.Equal("metadata-service", source);
        Assert.Equal(fixture.Host, hostHeader);
    }

    [Fact]
    public async Task Azure_client_secret_gets_an_entra_token_for_the_databricks_resource_through_azure_identity()
    {
        // Azure.Identity's ClientSecretCredential runs unchanged; only its transport is pointed at a loopback fake Entra ID
        // (MSAL accepts only https authorities, so the https requests are rewritten to http://127.0.0.1).
        const string entraToken = "eyJ0eXAiOiJKV1QifQ.eyJhdWQiOiIyZmY4MTRhNiJ9.c2lnbmF0dXJl";
        const string armSecret = "arm-secret-0123456789abcdef0123456789";
        var azureSp = await fixture.Emulator.AddPrincipalAsync(Emulator.EmulatedPrincipal.CreateServicePrincipal(), TestContext.Current.CancellationToken);
        fixture.Emulator.TrustAzureToken(entraToken, azureSp);
        string? scope = null;
        await using var entra = new LoopbackHttpServer(async context =>
        {
            var path = context.Request.Url!.AbsolutePath;
            if (path.EndsWith("/openid-configuration", StringComparison.Ordinal))
            {
                await LoopbackHttpServer.JsonAsync(context, """
                    {"token_endpoint": "https://login.microsoftonline.com/tenant-1/oauth2/v2.0/token", "issuer": "https://login.microsoftonline.com/tenant-1/v2.0",
                     "authorization_endpoint": "https://login.microsoftonline.com/tenant-1/oauth2/v2.0/authorize"}
                    """);
                return;
            }

            var form = System.Web.HttpUtility.ParseQueryString(await new StreamReader(context.Request.InputStream).ReadToEndAsync());
            scope = form["scope"];
            var ok = form["client_secret"] == armSecret && form["client_id"] == azureSp.ClientId;
            await LoopbackHttpServer.JsonAsync(context, ok ? $$"""{"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": "{{entraToken}}"}""" : """{"error": "invalid_client"}""", ok ? 200 : 401);
        });
        var env = Env(("DATABRICKS_HOST", fixture.Host), ("DATABRICKS_AZURE_RESOURCE_ID", "/subscriptions/s/resourceGroups/g/providers/Microsoft.Databricks/workspaces/w"),
            ("ARM_CLIENT_ID", azureSp.ClientId), ("ARM_CLIENT_SECRET", armSecret), ("ARM_TENANT_ID", "tenant-1"));
        var options = LakebaseOAuthOptions.FromEnvironment(env);
        options.ConfigureAzureCredential = o =>
        {
            o.Transport = new HttpClientTransport(new HttpClient(new RedirectToLoopback(entra.Url)));
            if (o is Azure.Identity.ClientSecretCredentialOptions secretOptions)
            {
                secretOptions.DisableInstanceDiscovery = true;
            }
        };

        var (current, _, source) = await fixture.LogInAsync(options, env);
        Assert.Equal(azureSp.ClientId, current);
        Assert.Equal("azure-client-secret", source);
        Assert.Equal("2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default", scope);
    }

    [Fact]
    public async Task A_token_for_another_workspace_is_never_sent_to_DATABRICKS_HOST()
    {
        // The measured bug: DATABRICKS_HOST=B with a DEFAULT profile holding workspace A's token sent A's token to B.
        const string tokenA = "dapiaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
        await using var workspaceB = new LoopbackHttpServer(context => LoopbackHttpServer.JsonAsync(context, """{"error_code": "UNAUTHENTICATED"}""", 401));
        File.WriteAllText(Path.Combine(_home, ".databrickscfg"), $"[DEFAULT]\nhost = https://a.cloud.databricks.com\ntoken = {tokenA}\n\n[a]\nhost = https://a.cloud.databricks.com\ntoken = {tokenA}\n");

        var env = Env(("DATABRICKS_HOST", workspaceB.Url.ToString()));
        var error = await Assert.ThrowsAsync<LakebaseConfigurationException>(() => fixture.LogInAsync(LakebaseOAuthOptions.FromEnvironment(env), env));
        Assert.Contains("No credentials", error.Message);

        env = Env(("DATABRICKS_HOST", workspaceB.Url.ToString()), ("DATABRICKS_CONFIG_PROFILE", "a"));
        error = await Assert.ThrowsAsync<LakebaseConfigurationException>(() => fixture.LogInAsync(LakebaseOAuthOptions.FromEnvironment(env), env));
        Assert.Contains("never sent to another workspace", error.Message);

        Assert.DoesNotContain(workspaceB.Requests, r => r.Contains(tokenA, StringComparison.Ordinal));
        SecretAssert.DoesNotLeak(error.Message, ("workspace A token", tokenA));
    }

    [Fact]
    public async Task A_wrong_client_secret_fails_with_its_own_advice_and_never_falls_through_to_a_cli_login()
    {
        // The measured bug: with a `databricks` CLI on PATH logged in as someone else, an invalid_client from oauth-m2m
        // moved on to the CLI and a database credential was issued to that other principal.
        const string wrongSecret = "dose-wrong-0123456789abcdef0123456789";
        AuthEmulatorFixture.WriteFakeDatabricksCli(_home, fixture.User.PersonalAccessToken!, padToCliSize: true);
        var env = Env(("DATABRICKS_HOST", fixture.Host), ("DATABRICKS_CLIENT_ID", fixture.ServicePrincipal.ClientId), ("DATABRICKS_CLIENT_SECRET", wrongSecret), ("PATH", _home));
        Assert.Equal(["oauth-m2m", "databricks-cli"], LakebaseOAuthOptions.FromEnvironment(env).Plan(env).Candidates.Select(c => c.Name));

        var error = await Assert.ThrowsAsync<LakebaseCredentialException>(() => fixture.LogInAsync(LakebaseOAuthOptions.FromEnvironment(env), env));
        Assert.Equal(LakebaseCredentialError.InvalidClient, error.Reason);
        Assert.Contains("DATABRICKS_CLIENT_SECRET", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_home, "cli-args")), "the CLI was run");
        SecretAssert.DoesNotLeak(error.ToString(), ("client secret", wrongSecret));
    }

    [Fact]
    public async Task A_cli_without_a_login_for_the_host_is_skipped_with_a_warning()
    {
        // databricks-sdk-go moves on from databricks-cli on exactly this message; with nothing after it, the error lists it.
        AuthEmulatorFixture.WriteScript(_home, "databricks", "echo 'Error: databricks OAuth is not configured for this host' >&2\nexit 1", padToCliSize: true);
        var logs = new CapturingLoggerProvider();
        var env = Env(("DATABRICKS_HOST", fixture.Host), ("PATH", _home));
        var error = await Assert.ThrowsAsync<LakebaseCredentialException>(() => fixture.LogInAsync(LakebaseOAuthOptions.FromEnvironment(env), env,
            b => b.Username("dev@example.com").UseLoggerFactory(LoggerFactory.Create(l => l.AddProvider(logs)))));
        Assert.Contains("No authentication method could obtain a token", error.Message, StringComparison.Ordinal);
        Assert.Contains("no login for this workspace", error.Message, StringComparison.Ordinal);
        Assert.Contains(logs.Entries, e => e.EventId.Name == "AuthMethodSkipped" && e.Level == LogLevel.Warning);
    }

    public void Dispose() => Directory.Delete(_home, recursive: true);

    private Func<string, string?> Env(params (string Name, string? Value)[] variables) => AuthEmulatorFixture.Environment(_home, variables);

    /// <summary>Sends every request to the loopback server instead, keeping path and query.</summary>
    private sealed class RedirectToLoopback(Uri target) : DelegatingHandler(new SocketsHttpHandler())
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.RequestUri = new Uri(target, request.RequestUri!.PathAndQuery);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
