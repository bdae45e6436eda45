using Lakebase.Npgsql.Http;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Lakebase.Npgsql.Authentication.Methods;
using Lakebase.Npgsql.Diagnostics;

namespace Lakebase.Npgsql.Authentication;

/// <summary>
/// Runs <c>databricks auth token</c> and reads the JSON it prints (an OAuth token: <c>access_token</c>,
/// <c>token_type</c>, <c>expiry</c> in RFC 3339; databricks/cli <c>cmd/auth/token.go</c>), caching the token until shortly
/// before its expiry. Each run is bounded; a failure reports the CLI's own message (secrets masked) and how to sign in.
/// </summary>
internal sealed class DatabricksCliTokenSource(AuthServices services, string cliPath, string[] arguments)
    : CachedWorkspaceTokenSource(services.Cache, services.TimeProvider)
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(30);

    // What `databricks auth token` prints when it has no OAuth login for the host (databricks-sdk-go auth_databricks_cli.go).
    private const string NotConfiguredForHost = "databricks OAuth is not configured for this host";

    public override string Description => "databricks-cli";

    protected override async Task<(string Token, DateTimeOffset? ExpiresAt)> FetchAsync(CancellationToken cancellationToken)
    {
        var command = $"{Path.GetFileName(cliPath)} {string.Join(' ', arguments)}";
        var start = new ProcessStartInfo(cliPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            // Not installed after all (databricks-sdk-go skips the method on exec.ErrNotFound).
            throw new AuthMethodUnavailableException($"`{command}` could not be started ({e.Message})", Failed(command, $"it could not be started ({e.Message})"));
        }

        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(RunTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // It exited meanwhile.
            }

            cancellationToken.ThrowIfCancellationRequested();
            throw Failed(command, $"it did not finish within {RunTimeout.TotalSeconds:0} seconds", LakebaseCredentialError.Unavailable);
        }

        var output = await stdout.ConfigureAwait(false);
        var error = await stderr.ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            var said = SecretRedaction.OneLine(error, 300);
            if (error.Contains(NotConfiguredForHost, StringComparison.OrdinalIgnoreCase))
            {
                // No login for this workspace: databricks-sdk-go moves on to the next method on exactly this message.
                throw new AuthMethodUnavailableException($"the CLI has no login for this workspace (\"{said}\")", Failed(command, $"it exited with code {process.ExitCode}: \"{said}\""));
            }

            throw Failed(command, $"it exited with code {process.ExitCode}{(said.Length == 0 ? string.Empty : $": \"{said}\"")}");
        }

        try
        {
            using var document = JsonDocument.Parse(output);
            var token = JsonFields.Text(document.RootElement, "access_token");
            if (string.IsNullOrEmpty(token))
            {
                throw Failed(command, "its output has no access_token");
            }

            DateTimeOffset? expiresAt = JsonFields.Text(document.RootElement, "expiry") is { } expiry
                && DateTimeOffset.TryParse(expiry, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed) ? parsed : null;
            LakebaseLog.WorkspaceTokenIssued(services.Logger, command, expiresAt ?? DateTimeOffset.MinValue);
            return (token, expiresAt);
        }
        catch (JsonException)
        {
            throw Failed(command, "its output is not the JSON token it prints");
        }
    }

    private static LakebaseCredentialException Failed(string command, string what, LakebaseCredentialError reason = LakebaseCredentialError.Unauthenticated) => new(
        reason,
        $"The Databricks CLI could not provide a workspace token: `{command}` failed, {what}. " +
        "Run `databricks auth login --host <workspace>` (or with --profile), or set DATABRICKS_CLI_PATH to the CLI.");
}
