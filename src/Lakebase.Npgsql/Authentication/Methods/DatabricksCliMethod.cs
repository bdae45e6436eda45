namespace Lakebase.Npgsql.Authentication.Methods;

/// <summary>
/// <c>databricks-cli</c>: the token of <c>databricks auth login</c>, from <c>databricks auth token --profile P</c> (when a
/// profile is in use) or <c>--host H</c> (databricks-sdk-go <c>config/cli_token_source.go</c>
/// <c>buildCoreCliCommand</c>). Requires host. The CLI is <c>DATABRICKS_CLI_PATH</c> (a path is used as given, a bare
/// name is looked up on PATH), else <c>databricks</c> on PATH, where a file under 1 MiB is the legacy Python CLI and is
/// skipped (databricks-sdk-py <c>DatabricksCliTokenSource._find_executable</c>). A user identity: the database user is
/// looked up with SCIM Me.
/// </summary>
internal sealed class DatabricksCliMethod : AuthenticationMethod
{
    /// <summary>The new CLI is a single binary of more than 1 MiB; the legacy Python CLI's entry script is far smaller.</summary>
    internal const long MinimumCliSize = 1024 * 1024;

    public override string Name => "databricks-cli";

    public override LakebaseAuthenticationMethod Kind => LakebaseAuthenticationMethod.DatabricksCli;

    public override string? Missing(AuthInputs inputs)
    {
        var (path, problem) = FindCli(inputs);
        return Lacking((inputs.HasHost, "no host (DATABRICKS_HOST)"), (path is not null, problem ?? string.Empty));
    }

    public override IWorkspaceTokenSource Create(AuthInputs inputs, AuthServices services)
    {
        var path = FindCli(inputs).Path!;
        string[] arguments = inputs.Options.Profile is { } profile
            ? ["auth", "token", "--profile", profile]
            : ["auth", "token", "--host", inputs.WorkspaceUrl!.GetLeftPart(UriPartial.Authority)];
        return new DatabricksCliTokenSource(services, path, arguments);
    }

    internal static (string? Path, string? Problem) FindCli(AuthInputs inputs)
    {
        var configured = inputs.Options.DatabricksCliPath;
        if (configured is not null && (configured.Contains('/') || configured.Contains('\\')))
        {
            return File.Exists(configured)
                ? (configured, null)
                : (null, $"the Databricks CLI was not found at {configured} (DATABRICKS_CLI_PATH)");
        }

        var name = configured ?? (OperatingSystem.IsWindows() ? "databricks.exe" : "databricks");
        var legacy = false;
        foreach (var candidate in inputs.FindOnPath(name))
        {
            if (candidate.Length < MinimumCliSize)
            {
                legacy = true;
                continue;
            }

            return (candidate.FullName, null);
        }

        return (null, legacy
            ? $"only the legacy Databricks CLI (< 0.100) was found on PATH: install the current CLI, or set DATABRICKS_CLI_PATH"
            : $"the Databricks CLI ({name}) is not on PATH: install it and run `databricks auth login`, or set DATABRICKS_CLI_PATH");
    }
}
