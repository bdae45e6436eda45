using Lakebase.TestUtilities;
using TodoApp.Tests.Infrastructure;

namespace TodoApp.Tests.Migrations;

/// <summary>
/// The commands the README tells people to run, run for real: <c>dotnet tool restore</c>, then <c>dotnet ef</c> on the
/// migrations project (already built by this test run, hence --no-build) with the emulator's environment variables,
/// exactly as a developer would export them from the emulator CLI.
/// </summary>
public sealed class DotnetEfTests(EmulatorFixture emulator)
{
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Database_update_creates_the_schema_on_a_fresh_database()
    {
        var database = await emulator.CreateDatabaseAsync("todo_ef");
        var environment = EmulatorEnvironment(database);

        var result = await DotnetEfAsync(environment, "database", "update");

        Assert.True(result.ExitCode == 0, $"dotnet ef database update failed: {result}");
        await using var connection = emulator.OpenAdminConnection(database);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT to_regclass('public.todos') IS NOT NULL,
                   (SELECT count(*) FROM "__EFMigrationsHistory" WHERE "MigrationId" LIKE '%_InitialCreate')
            """;
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        Assert.True(await reader.ReadAsync(TestContext.Current.CancellationToken));
        Assert.True(reader.GetBoolean(0), "table todos was not created");
        Assert.Equal(1L, reader.GetInt64(1));
        Assert.DoesNotContain(emulator.Emulator.DefaultPrincipal.ClientSecret!, result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_model_has_no_changes_missing_from_the_migrations()
    {
        // Model-only: no database involved. Fails when someone changes an entity and forgets `dotnet ef migrations add`.
        var result = await DotnetEfAsync(CleanEnvironment(), "migrations", "has-pending-model-changes");

        Assert.True(result.ExitCode == 0, $"The model has changes without a migration; run `dotnet ef migrations add <Name> --project migrations/TodoApp.Migrations`. {result}");
    }

    [Fact]
    public async Task The_committed_DBA_script_matches_the_migrations()
    {
        var generated = Path.Combine(Path.GetTempPath(), $"todoapp-migrate-{Guid.NewGuid():N}.sql");
        try
        {
            var result = await DotnetEfAsync(CleanEnvironment(), "migrations", "script", "--idempotent", "--output", generated);

            Assert.True(result.ExitCode == 0, $"dotnet ef migrations script failed: {result}");
            var committed = Path.Combine(RepositoryLayout.Root, "migrations", "sql", "migrate.sql");
            Assert.True(
                Normalize(await File.ReadAllTextAsync(committed, TestContext.Current.CancellationToken)) ==
                Normalize(await File.ReadAllTextAsync(generated, TestContext.Current.CancellationToken)),
                "migrations/sql/migrate.sql is out of date: in migrations/TodoApp.Migrations run " +
                "`dotnet ef migrations script --idempotent -o ../sql/migrate.sql` and commit it.");
        }
        finally
        {
            File.Delete(generated);
        }

        static string Normalize(string sql) => sql.Replace("\r\n", "\n", StringComparison.Ordinal).Trim('\uFEFF', '\n', ' ');
    }

    private static async Task<ProcessRunner.Result> DotnetEfAsync(IReadOnlyDictionary<string, string?> environment, params string[] command)
    {
        var ct = TestContext.Current.CancellationToken;
        var restore = await ProcessRunner.RunAsync("dotnet", ["tool", "restore"], RepositoryLayout.Root, environment, ToolTimeout, ct);
        Assert.True(restore.ExitCode == 0, $"dotnet tool restore failed: {restore}");

        return await ProcessRunner.RunAsync(
            "dotnet",
            ["ef", .. command, "--project", RepositoryLayout.MigrationsProject, "--no-build", "--configuration", RepositoryLayout.BuildConfiguration],
            RepositoryLayout.Root,
            environment,
            ToolTimeout,
            ct);
    }

    /// <summary>The emulator CLI's variables (DATABRICKS_*, LAKEBASE_ENDPOINT, PG*), pointed at one database.</summary>
    private Dictionary<string, string?> EmulatorEnvironment(string database)
    {
        var environment = CleanEnvironment();
        foreach (var (name, value) in emulator.Emulator.GetEnvironmentVariables())
        {
            environment[name] = value;
        }

        environment["PGDATABASE"] = database;
        return environment;
    }

    /// <summary>The environment without the developer's Lakebase settings or the test host's MSBuild variables.</summary>
    private static Dictionary<string, string?> CleanEnvironment() => ProcessRunner.IsolatedEnvironment();
}
