using Lakebase.TestUtilities;
using Microsoft.Extensions.Logging;

namespace Lakebase.Testing.Tests;

/// <summary>
/// The kit with nothing configured, as on a developer's machine: the local emulator, the app's migrations applied once,
/// Respawn between tests keeping the migrations history.
/// </summary>
public sealed class EmulatorModeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task With_nothing_configured_it_runs_on_the_emulator_migrates_once_and_resets_between_tests()
    {
        var logs = new CapturingLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        await using var database = await LakebaseTestDatabase.StartAsync(
            new LakebaseTestDatabaseOptions { Configuration = VariablesConfiguration.From(new Dictionary<string, string?>()), LoggerFactory = loggerFactory }, Ct);

        Assert.True(database.IsEmulator);
        Assert.Null(database.BranchName);
        Assert.Equal(database.Emulator!.EndpointName, database.EndpointName);
        Assert.DoesNotContain("Password", database.ConnectionString, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Host=", database.ConnectionString, StringComparison.Ordinal);

        Assert.True(await TodoDatabase.MigrateAsync(database));
        Assert.Equal(1L, await TodoDatabase.ScalarAsync(database.DataSource, "select count(*) from \"__EFMigrationsHistory\""));

        // A test writes; the reset between tests empties the table, keeps the history and restarts the identity.
        await TodoDatabase.AddTodoAsync(database, "first test's row");
        await TodoDatabase.AddTodoAsync(database, "first test's second row");
        await database.ResetAsync(Ct);
        Assert.Equal(0L, await TodoDatabase.ScalarAsync(database.DataSource, "select count(*) from todos"));
        Assert.Equal(1L, await TodoDatabase.ScalarAsync(database.DataSource, "select count(*) from \"__EFMigrationsHistory\""));
        Assert.Equal(1, await TodoDatabase.AddTodoAsync(database, "second test's row"));
        await database.ResetAsync(Ct);
        Assert.Equal(0L, await TodoDatabase.ScalarAsync(database.DataSource, "select count(*) from todos"));

        // Once per database: a second call does not touch it. (With the history gone, a real second migration would
        // try to create the todos table again and fail.)
        await TodoDatabase.ExecuteAsync(database.DataSource, "drop table \"__EFMigrationsHistory\"");
        Assert.False(await TodoDatabase.MigrateAsync(database));
        Assert.Equal(0L, await TodoDatabase.ScalarAsync(database.DataSource, "select count(*) from pg_tables where tablename = '__EFMigrationsHistory'"));

        var text = logs.AllText();
        Assert.Contains("Test database ready on the local emulator", text, StringComparison.Ordinal);
        Assert.Single(logs.Entries, e => e.Message.StartsWith("Applied 1 migration(s) of TodoDbContext", StringComparison.Ordinal));
        EmulatorSecretAssert.DoesNotLeak(database.Emulator, text);
        EmulatorSecretAssert.DoesNotLeak(database.Emulator, database.ConnectionString + database);
    }

    [Fact]
    public async Task A_reset_with_no_tables_yet_does_nothing_and_one_whose_schemas_are_empty_while_others_have_tables_says_which()
    {
        var options = new LakebaseTestDatabaseOptions { Configuration = VariablesConfiguration.From(new Dictionary<string, string?>()) };
        options.SchemasToReset.Clear();
        options.SchemasToReset.Add("app");
        await using var database = await LakebaseTestDatabase.StartAsync(options, Ct);

        // A suite that creates its tables in its tests resets before the first one exists.
        await database.ResetAsync(Ct);

        // Tables only where the reset does not look: it would leave their rows to the next test, so it says so.
        await TodoDatabase.ExecuteAsync(database.DataSource, "create table public.notes (id int); insert into public.notes values (1)");
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => database.ResetAsync(Ct));
        Assert.Contains("no tables in the schemas it resets (app), but there are tables in public", error.Message, StringComparison.Ordinal);
        Assert.Contains("SchemasToReset", error.Message, StringComparison.Ordinal);

        // Once its schema has a table, that table is emptied and the schema it was not asked to reset is left alone.
        await TodoDatabase.ExecuteAsync(database.DataSource, "create schema app; create table app.items (id int); insert into app.items values (1), (2)");
        await database.ResetAsync(Ct);
        Assert.Equal(0L, await TodoDatabase.ScalarAsync(database.DataSource, "select count(*) from app.items"));
        Assert.Equal(1L, await TodoDatabase.ScalarAsync(database.DataSource, "select count(*) from public.notes"));
    }

    [Fact]
    public async Task A_model_whose_foreign_keys_form_a_cycle_is_reset_by_a_role_that_is_not_a_superuser()
    {
        // Departments have a manager, employees a department: no order deletes one table before the other. The reset
        // runs as the test principal, which (as on Lakebase) is no superuser and may not disable the foreign keys.
        var options = new LakebaseTestDatabaseOptions { Configuration = VariablesConfiguration.From(new Dictionary<string, string?>()) };
        await using var database = await LakebaseTestDatabase.StartAsync(options, Ct);
        await TodoDatabase.ExecuteAsync(database.DataSource, """
            create table departments (id int generated always as identity primary key, manager_id int);
            create table employees (id int generated always as identity primary key, department_id int not null references departments(id));
            alter table departments add foreign key (manager_id) references employees(id);
            insert into departments default values;
            insert into employees (department_id) values (1);
            update departments set manager_id = 1;
            """);

        await database.ResetAsync(Ct);

        Assert.Equal(0L, await TodoDatabase.ScalarAsync(database.DataSource, "select count(*) from departments"));
        Assert.Equal(0L, await TodoDatabase.ScalarAsync(database.DataSource, "select count(*) from employees"));
        Assert.Equal(1L, await TodoDatabase.ScalarAsync(database.DataSource, "insert into departments default values returning id::bigint")); // identities restarted
    }
}
