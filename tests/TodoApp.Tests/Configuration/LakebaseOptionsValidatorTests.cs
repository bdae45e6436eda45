using TodoApp.Configuration;

namespace TodoApp.Tests.Configuration;

/// <summary>What someone deploying the app reads when a setting is missing: the setting, its variable, and the fix.</summary>
public sealed class LakebaseOptionsValidatorTests
{
    private static readonly LakebaseOptionsValidator Validator = new();

    private static LakebaseOptions Complete() => new()
    {
        Endpoint = "projects/p1/branches/br-main/endpoints/ep-abc",
        WorkspaceHost = "https://adb-1234567890123456.7.azuredatabricks.net",
        ClientId = "7b0e3b8e-49a3-4c57-9f5c-3d1b1a2e4c11",
        ClientSecret = "not-a-real-secret",
    };

    [Fact]
    public void No_settings_at_all_means_the_local_emulator_and_is_valid()
    {
        var options = new LakebaseOptions();

        Assert.True(options.UsesLocalEmulator);
        Assert.True(Validator.Validate(null, options).Succeeded);
    }

    [Fact]
    public void Complete_service_principal_settings_are_valid()
    {
        var options = Complete();

        Assert.False(options.UsesLocalEmulator);
        Assert.True(Validator.Validate(null, options).Succeeded);
    }

    [Fact]
    public void Databricks_host_without_an_endpoint_names_LAKEBASE_ENDPOINT_and_the_emulator_way_out()
    {
        var options = Complete();
        options.Endpoint = null;

        var result = Validator.Validate(null, options);

        Assert.True(result.Failed);
        var failure = Assert.Single(result.Failures!);
        Assert.Contains("LAKEBASE_ENDPOINT", failure);
        Assert.Contains("local emulator", failure);
    }

    [Fact]
    public void Every_problem_is_listed_at_once()
    {
        var options = new LakebaseOptions { Endpoint = "ep-abc.database.us-east-1.cloud.databricks.com", Port = 0, SslMode = "sometimes" };

        var failures = Validator.Validate(null, options).Failures!.ToList();

        Assert.Contains(failures, f => f.Contains("not an endpoint name", StringComparison.Ordinal) && f.Contains("projects/<project-id>", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("DATABRICKS_HOST", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("DATABRICKS_CLIENT_SECRET", StringComparison.Ordinal) && f.Contains("DATABRICKS_TOKEN", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("PGPORT", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("SslMode", StringComparison.Ordinal));
    }

    [Fact]
    public void Secret_and_token_together_are_rejected()
    {
        var options = Complete();
        options.Token = "dapi-not-real";

        Assert.Contains(Validator.Validate(null, options).Failures!, f => f.Contains("unset one", StringComparison.Ordinal));
    }

    [Fact]
    public void Secret_without_client_id_asks_for_DATABRICKS_CLIENT_ID()
    {
        var options = Complete();
        options.ClientId = null;

        Assert.Contains(Validator.Validate(null, options).Failures!, f => f.Contains("DATABRICKS_CLIENT_ID", StringComparison.Ordinal));
    }

    [Fact]
    public void Validation_messages_never_echo_the_secret()
    {
        var options = Complete();
        options.Token = "dapi-very-secret-token";
        options.Endpoint = "bad";

        var text = string.Join("\n", Validator.Validate(null, options).Failures!);

        Assert.DoesNotContain("not-a-real-secret", text, StringComparison.Ordinal);
        Assert.DoesNotContain("dapi-very-secret-token", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("require", Npgsql.SslMode.Require)]
    [InlineData("verify-full", Npgsql.SslMode.VerifyFull)]
    [InlineData("VerifyCA", Npgsql.SslMode.VerifyCA)]
    public void Ssl_mode_accepts_libpq_and_Npgsql_names(string value, Npgsql.SslMode expected)
    {
        Assert.True(LakebaseOptionsValidator.TryParseSslMode(value, out var mode));
        Assert.Equal(expected, mode);
    }
}
