using System.Text.Json;

namespace Lakebase.Tool.Tests;

/// <summary>
/// <c>lakebase doctor</c> against the emulator: a good setup passes every step and exits 0; each misconfiguration of
/// the troubleshooting table fails at its step, with the fix in the user's terms, skips what depends on it, exits 1,
/// and prints no secret.
/// </summary>
[Collection(DoctorCollection.Name)]
public sealed class DoctorTests(DoctorFixture fixture)
{
    [Fact]
    public async Task A_working_setup_passes_every_step_and_exits_zero()
    {
        var principal = await fixture.NewPrincipalAsync();
        var (exitCode, output) = await fixture.RunAsync(fixture.EnvironmentFor(principal), "doctor");

        Assert.Equal(0, exitCode);
        foreach (var step in new[] { "settings", "workspace", "credential", "host", "tls", "login", "role", "grants", "compute" })
        {
            Assert.Matches($@"\[ok  \] {step}\b", output);
        }

        Assert.Contains("oauth-m2m", output, StringComparison.Ordinal);
        Assert.Contains($"logged in as {principal.ClientId}", output, StringComparison.Ordinal);
        Assert.Contains("issued by", output, StringComparison.Ordinal); // the certificate is described
        Assert.Contains("Every check passed.", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_client_secret_fails_at_the_workspace_step_with_the_fix()
    {
        var principal = await fixture.NewPrincipalAsync();
        var environment = fixture.EnvironmentFor(principal);
        environment["DATABRICKS_CLIENT_SECRET"] = "dose" + new string('0', 32);
        var (exitCode, output) = await fixture.RunAsync(environment, "doctor");

        Assert.Equal(1, exitCode);
        Assert.Contains("[FAIL] workspace", output, StringComparison.Ordinal);
        Assert.Contains("fix: Check DATABRICKS_CLIENT_ID", output, StringComparison.Ordinal);
        Assert.Contains("[skip] credential", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_principal_without_workspace_access_fails_with_the_entitlement_fix()
    {
        var principal = await fixture.NewPrincipalAsync(workspaceAccess: false);
        var (exitCode, output) = await fixture.RunAsync(fixture.EnvironmentFor(principal), "doctor");

        Assert.Equal(1, exitCode);
        Assert.Matches(@"\[FAIL\] (workspace|credential)", output);
        Assert.Contains("Workspace access", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_role_fails_at_the_role_step_with_databricks_create_role()
    {
        var principal = await fixture.NewPrincipalAsync(createRole: false);
        var (exitCode, output) = await fixture.RunAsync(fixture.EnvironmentFor(principal), "doctor");

        Assert.Equal(1, exitCode);
        Assert.Contains("[ok  ] credential", output, StringComparison.Ordinal);
        Assert.Contains("[FAIL] role", output, StringComparison.Ordinal);
        Assert.Contains($"databricks_create_role('{principal.ClientId}', 'SERVICE_PRINCIPAL')", output, StringComparison.Ordinal);
        Assert.Contains("[skip] grants", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_display_name_as_the_user_fails_at_the_settings_step()
    {
        var principal = await fixture.NewPrincipalAsync();
        var (exitCode, output) = await fixture.RunAsync(fixture.EnvironmentFor(principal), "doctor", "--user", "My Todo App");

        Assert.Equal(1, exitCode);
        Assert.Contains("[FAIL] settings", output, StringComparison.Ordinal);
        Assert.Contains("not the service principal's client id", output, StringComparison.Ordinal);
        Assert.Contains("[skip] workspace", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_untrusted_certificate_fails_at_the_tls_step_before_any_login()
    {
        var principal = await fixture.NewPrincipalAsync();
        var environment = fixture.EnvironmentFor(principal);
        environment.Remove("PGSSLROOTCERT"); // the system's roots do not include the emulator's CA
        var (exitCode, output) = await fixture.RunAsync(environment, "doctor");

        Assert.Equal(1, exitCode);
        Assert.Contains("[FAIL] tls", output, StringComparison.Ordinal);
        Assert.Contains("does not chain to a trusted root", output, StringComparison.Ordinal);
        Assert.Contains("PGSSLROOTCERT", output, StringComparison.Ordinal);
        Assert.Contains("[skip] login", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_endpoint_name_fails_at_the_settings_step_with_the_expected_form()
    {
        var principal = await fixture.NewPrincipalAsync();
        var (exitCode, output) = await fixture.RunAsync(fixture.EnvironmentFor(principal), "doctor", "--endpoint", "ep-cool-river-123.database.us-east-1.cloud.databricks.com");

        Assert.Equal(1, exitCode);
        Assert.Contains("[FAIL] settings", output, StringComparison.Ordinal);
        Assert.Contains("projects/<project-id>/branches/<branch-id>/endpoints/<endpoint-id>", output, StringComparison.Ordinal);
        Assert.Contains("looks like a host name", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_output_lists_every_step_for_ci()
    {
        var principal = await fixture.NewPrincipalAsync(createRole: false);
        var (exitCode, output) = await fixture.RunAsync(fixture.EnvironmentFor(principal), "doctor", "--json");

        Assert.Equal(1, exitCode);
        using var json = JsonDocument.Parse(output);
        Assert.False(json.RootElement.GetProperty("passed").GetBoolean());
        var checks = json.RootElement.GetProperty("checks").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("outcome").GetString());
        Assert.Equal(["settings", "workspace", "credential", "host", "tls", "login", "role", "grants", "compute"], checks.Keys);
        Assert.Equal("failed", checks["role"]);
        Assert.Equal("passed", checks["tls"]);
    }

    [Fact]
    public async Task Bad_usage_exits_two_with_the_usage()
    {
        var (exitCode, output) = await fixture.RunAsync(new Dictionary<string, string?>(), "doctor", "--frobnicate");
        Assert.Equal(2, exitCode);
        Assert.Contains("Usage: lakebase doctor", output, StringComparison.Ordinal);
    }
}
