using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace TodoApp.Configuration;

/// <summary>
/// Checks the "Lakebase" section once, at startup. Each message names the setting (and its environment variable)
/// and says how to fix it, because the person reading it is usually deploying, not coding.
/// </summary>
public sealed partial class LakebaseOptionsValidator : IValidateOptions<LakebaseOptions>
{
    public ValidateOptionsResult Validate(string? name, LakebaseOptions options)
    {
        var problems = new List<string>();
        if (options.UsesLocalEmulator)
        {
            if (LakebaseOptions.IsUnset(options.Emulator.DataDirectory))
            {
                problems.Add("Lakebase:Emulator:DataDirectory is empty: set it to a folder for the local emulator's database (default .lakebase-emulator).");
            }

            return Result(problems);
        }

        // Some Databricks setting is present, so the app is meant for real Lakebase: everything it needs must be there.
        if (LakebaseOptions.IsUnset(options.Endpoint))
        {
            problems.Add(
                "Lakebase:Endpoint is not set, but other Databricks settings are. Set LAKEBASE_ENDPOINT (or Lakebase__Endpoint) to the endpoint name, " +
                "projects/<project-id>/branches/<branch-id>/endpoints/<endpoint-id>; or unset DATABRICKS_HOST/DATABRICKS_CLIENT_ID/DATABRICKS_CLIENT_SECRET/DATABRICKS_TOKEN " +
                "to run on the local emulator.");
        }
        else if (!EndpointNamePattern().IsMatch(options.Endpoint!.Trim()))
        {
            problems.Add(
                $"Lakebase:Endpoint '{options.Endpoint}' is not an endpoint name: expected projects/<project-id>/branches/<branch-id>/endpoints/<endpoint-id> " +
                "(the endpoint id is the ep-... part of the host name). Fix LAKEBASE_ENDPOINT (or Lakebase__Endpoint).");
        }

        if (LakebaseOptions.IsUnset(options.WorkspaceHost))
        {
            problems.Add("Lakebase:WorkspaceHost is not set: set DATABRICKS_HOST (or Lakebase__WorkspaceHost) to the workspace URL, e.g. https://adb-1234567890123456.7.azuredatabricks.net.");
        }
        else if (!Uri.TryCreate(WithScheme(options.WorkspaceHost!), UriKind.Absolute, out _))
        {
            problems.Add($"Lakebase:WorkspaceHost '{options.WorkspaceHost}' is not a URL: set DATABRICKS_HOST to the workspace URL, e.g. https://adb-1234567890123456.7.azuredatabricks.net.");
        }

        var hasSecret = !LakebaseOptions.IsUnset(options.ClientSecret);
        var hasToken = !LakebaseOptions.IsUnset(options.Token);
        if (!hasSecret && !hasToken)
        {
            problems.Add(
                "No workspace credentials: set DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET (a service principal's OAuth secret; in production) " +
                "or DATABRICKS_TOKEN (a personal access token; for development). Keep them out of appsettings.json.");
        }
        else if (hasSecret && hasToken)
        {
            problems.Add("Both DATABRICKS_CLIENT_SECRET and DATABRICKS_TOKEN are set: unset one (a service principal uses the secret, a developer the token).");
        }

        if (hasSecret && LakebaseOptions.IsUnset(options.ClientId))
        {
            problems.Add("DATABRICKS_CLIENT_SECRET is set but DATABRICKS_CLIENT_ID is not: set it (or Lakebase__ClientId) to the service principal's application id, a UUID.");
        }

        if (hasToken && LakebaseOptions.IsUnset(options.ClientId) && LakebaseOptions.IsUnset(options.Username))
        {
            problems.Add("With DATABRICKS_TOKEN the database user is not known: set PGUSER (or Lakebase__Username) to your Databricks user name (e-mail).");
        }

        if (options.Port is { } port && port is < 1 or > 65535)
        {
            problems.Add($"Lakebase:Port {port} is out of range: set PGPORT to 1-65535 (Lakebase uses 5432).");
        }

        if (!LakebaseOptions.IsUnset(options.SslMode) && !TryParseSslMode(options.SslMode, out _))
        {
            problems.Add($"Lakebase:SslMode '{options.SslMode}' is not an SSL mode: use require (Lakebase requires TLS), verify-ca or verify-full.");
        }

        return Result(problems);
    }

    /// <summary>Accepts Npgsql's names (Require, VerifyFull) and libpq's (require, verify-full).</summary>
    public static bool TryParseSslMode(string? value, out SslMode sslMode) =>
        Enum.TryParse((value ?? string.Empty).Replace("-", string.Empty, StringComparison.Ordinal), ignoreCase: true, out sslMode);

    private static string WithScheme(string host) => host.Contains("://", StringComparison.Ordinal) ? host : "https://" + host;

    private static ValidateOptionsResult Result(List<string> problems) =>
        problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);

    [GeneratedRegex("^projects/[^/]+/branches/[^/]+/endpoints/[^/]+$")]
    private static partial Regex EndpointNamePattern();
}
