using Microsoft.Extensions.Options;

namespace Lakebase.Npgsql.Configuration;

/// <summary>
/// Checks bound <see cref="LakebaseOptions"/> when the application starts (<c>ValidateOnStart</c>), without any network
/// call, and lists every problem at once. Each message names the setting (its configuration key and environment
/// variable) and how to fix it, because the person reading it is usually deploying, not coding.
/// </summary>
internal sealed class LakebaseOptionsValidator(string optionsName, string sectionPath, Func<string, string?> getVariable) : IValidateOptions<LakebaseOptions>
{
    public ValidateOptionsResult Validate(string? name, LakebaseOptions options)
    {
        if ((name ?? Microsoft.Extensions.Options.Options.DefaultName) != optionsName)
        {
            return ValidateOptionsResult.Skip;
        }

        var problems = new List<string>();
        var resolved = options.ReadEnvironment ? LakebaseEnvironment.Apply(options.Clone(), getVariable) : options;
        if (string.IsNullOrWhiteSpace(resolved.Endpoint))
        {
            problems.Add($"{sectionPath}:Endpoint is not set: set it (or LAKEBASE_ENDPOINT) to the endpoint name, {LakebaseEndpointName.ExpectedFormat}.");
        }
        else if (!LakebaseEndpointName.TryParse(resolved.Endpoint, out _))
        {
            problems.Add($"{sectionPath}:Endpoint '{resolved.Endpoint}' is not an endpoint name: expected {LakebaseEndpointName.ExpectedFormat} " +
                "(the endpoint id is the ep-... part of the host name). Fix it or LAKEBASE_ENDPOINT.");
        }

        if (resolved.SslMode is { } sslMode)
        {
            if (!LakebaseSslModes.TryParse(sslMode, out var mode))
            {
                problems.Add($"{sectionPath}:SslMode '{sslMode}' is not an SSL mode: use verify-full (the default) or verify-ca (PGSSLMODE).");
            }
            else if (mode is global::Npgsql.SslMode.Disable or global::Npgsql.SslMode.Allow or global::Npgsql.SslMode.Prefer)
            {
                problems.Add($"{sectionPath}:SslMode '{sslMode}' could send the database token without TLS or to an unverified server: remove it or use verify-full.");
            }
        }

        if (resolved.Port is { } port && port is < 1 or > 65535)
        {
            problems.Add($"{sectionPath}:Port {port} is out of range: use 1-65535 (PGPORT; Lakebase listens on 5432).");
        }

        foreach (var (value, key) in new[] { (resolved.ConnectionLifetime, "ConnectionLifetime"), (resolved.ConnectionIdleLifetime, "ConnectionIdleLifetime"), (resolved.TcpKeepAlive, "TcpKeepAlive"), (resolved.ConnectTimeout, "ConnectTimeout"), (resolved.RefreshBeforeExpiry, "RefreshBeforeExpiry") })
        {
            if (value <= TimeSpan.Zero)
            {
                problems.Add($"{sectionPath}:{key} {value} must be positive, e.g. \"00:00:30\".");
            }
        }

        if (resolved.MaxPoolSize is < 1 || resolved.MinPoolSize is < 0)
        {
            problems.Add($"{sectionPath}:MaxPoolSize must be at least 1 and MinPoolSize at least 0.");
        }

        // Workspace authentication and the connection values are checked exactly as building the data source checks them.
        var builder = problems.Count == 0 ? options.CreateBuilder(getVariable) : null;
        Check(problems, () => (builder?.OAuthOptions ?? resolved.ToOAuthOptions()).Validate());
        if (builder is not null)
        {
            Check(problems, () => LakebaseConnectionSettings.Resolve(builder.CollectedSettings, builder.OAuthOptions, getVariable));
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    private void Check(List<string> problems, Action validate)
    {
        try
        {
            validate();
        }
        catch (LakebaseConfigurationException e)
        {
            // One failure per problem, each under the section's name ("Lakebase:WorkspaceHost is not set: ...").
            var lines = e.Message.Split(Environment.NewLine).Where(l => l.StartsWith(" - ", StringComparison.Ordinal)).Select(l => l[3..]).ToList();
            problems.AddRange((lines.Count > 0 ? lines : [e.Message]).Select(line => $"{sectionPath}:{line}"));
        }
    }
}
