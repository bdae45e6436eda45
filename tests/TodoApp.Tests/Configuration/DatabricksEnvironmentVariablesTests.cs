using System.Collections;
using Microsoft.Extensions.Configuration;
using TodoApp.Configuration;

namespace TodoApp.Tests.Configuration;

/// <summary>Changes process environment variables, so it runs alone (see <see cref="ProcessEnvironmentCollection"/>).</summary>
[Collection(ProcessEnvironmentCollection.Name)]
public sealed class DatabricksEnvironmentVariablesTests
{
    [Fact]
    public void Databricks_and_PG_variables_map_onto_the_Lakebase_section()
    {
        var values = DatabricksEnvironmentVariables.Read(new Hashtable
        {
            ["DATABRICKS_HOST"] = "https://adb-1.azuredatabricks.net",
            ["DATABRICKS_CLIENT_ID"] = "client-id",
            ["DATABRICKS_CLIENT_SECRET"] = "secret",
            ["ENDPOINT_NAME"] = "projects/p/branches/b/endpoints/from-endpoint-name",
            ["LAKEBASE_ENDPOINT"] = "projects/p/branches/b/endpoints/from-lakebase-endpoint",
            ["PGHOST"] = "ep-abc.database.example.com",
            ["PGPORT"] = "5432",
            ["PGSSLMODE"] = "require",
            ["UNRELATED"] = "x",
        });

        Assert.Equal("https://adb-1.azuredatabricks.net", values["Lakebase:WorkspaceHost"]);
        Assert.Equal("client-id", values["Lakebase:ClientId"]);
        Assert.Equal("secret", values["Lakebase:ClientSecret"]);
        Assert.Equal("projects/p/branches/b/endpoints/from-lakebase-endpoint", values["Lakebase:Endpoint"]); // LAKEBASE_ENDPOINT wins
        Assert.Equal("ep-abc.database.example.com", values["Lakebase:Host"]);
        Assert.Equal("require", values["Lakebase:SslMode"]);
        Assert.Equal(7, values.Count);
    }

    [Fact]
    public void Explicit_Lakebase_settings_beat_the_Databricks_variables_and_both_beat_appsettings()
    {
        // The shape WebApplication.CreateBuilder gives: file, then plain environment variables.
        var builder = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Lakebase:Database"] = "from_file", ["Lakebase:Host"] = "file-host" })
            .AddEnvironmentVariables();
        var variable = "Lakebase__Host";
        var previous = Environment.GetEnvironmentVariable(variable);
        var previousPgHost = Environment.GetEnvironmentVariable("PGHOST");
        var previousPgDatabase = Environment.GetEnvironmentVariable("PGDATABASE");
        try
        {
            Environment.SetEnvironmentVariable("PGDATABASE", "from_pgdatabase");
            Environment.SetEnvironmentVariable("PGHOST", "pg-host");
            Environment.SetEnvironmentVariable(variable, "explicit-host");

            var configuration = builder.AddDatabricksEnvironmentVariables().Build();

            Assert.Equal("from_pgdatabase", configuration["Lakebase:Database"]);
            Assert.Equal("explicit-host", configuration["Lakebase:Host"]);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, previous);
            Environment.SetEnvironmentVariable("PGHOST", previousPgHost);
            Environment.SetEnvironmentVariable("PGDATABASE", previousPgDatabase);
        }
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessEnvironmentCollection
{
    public const string Name = "Changes process environment variables";
}
