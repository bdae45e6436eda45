using System.Collections;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Configuration.Memory;

namespace TodoApp.Configuration;

/// <summary>
/// Maps the environment variables Databricks tooling and Databricks Apps already set (DATABRICKS_*, LAKEBASE_ENDPOINT,
/// PG*) onto the "Lakebase" section, so one options class sees every source.
/// </summary>
/// <remarks>
/// Precedence, lowest first: appsettings.json, user secrets, these variables, <c>Lakebase__*</c> variables, the
/// command line. So an explicit <c>Lakebase__Endpoint</c> beats <c>LAKEBASE_ENDPOINT</c>, and both beat the file.
/// </remarks>
public static class DatabricksEnvironmentVariables
{
    /// <summary>Variable → configuration key. The first variable set wins for a key (LAKEBASE_ENDPOINT over ENDPOINT_NAME).</summary>
    internal static readonly (string Variable, string Key)[] Mappings =
    [
        ("LAKEBASE_ENDPOINT", "Endpoint"),
        ("ENDPOINT_NAME", "Endpoint"),
        ("DATABRICKS_HOST", "WorkspaceHost"),
        ("DATABRICKS_CLIENT_ID", "ClientId"),
        ("DATABRICKS_CLIENT_SECRET", "ClientSecret"),
        ("DATABRICKS_TOKEN", "Token"),
        ("PGHOST", "Host"),
        ("PGPORT", "Port"),
        ("PGDATABASE", "Database"),
        ("PGUSER", "Username"),
        ("PGSSLMODE", "SslMode"),
        ("PGAPPNAME", "ApplicationName"),
    ];

    public static IConfigurationBuilder AddDatabricksEnvironmentVariables(this IConfigurationBuilder configuration)
    {
        var values = Read(Environment.GetEnvironmentVariables());
        var source = new MemoryConfigurationSource { InitialData = values };

        // Just below the plain environment-variable source, so Lakebase__* still overrides these.
        var sources = configuration.Sources;
        var environmentIndex = -1;
        for (var i = 0; i < sources.Count; i++)
        {
            if (sources[i] is EnvironmentVariablesConfigurationSource { Prefix: null or "" })
            {
                environmentIndex = i;
            }
        }

        if (environmentIndex < 0)
        {
            sources.Add(source);
        }
        else
        {
            sources.Insert(environmentIndex, source);
        }

        return configuration;
    }

    internal static Dictionary<string, string?> Read(IDictionary environment)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (variable, key) in Mappings)
        {
            var value = environment[variable] as string;
            var configurationKey = $"{LakebaseOptions.SectionName}:{key}";
            if (!string.IsNullOrWhiteSpace(value) && !values.ContainsKey(configurationKey))
            {
                values[configurationKey] = value.Trim();
            }
        }

        return values;
    }
}
