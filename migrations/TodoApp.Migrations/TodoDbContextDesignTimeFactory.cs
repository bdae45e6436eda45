using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using TodoApp.Data;

namespace TodoApp.Migrations;

/// <summary>
/// How <c>dotnet ef</c> builds a <see cref="TodoDbContext"/>: from the same environment variables the app and the
/// Databricks tooling use (LAKEBASE_ENDPOINT, DATABRICKS_HOST, DATABRICKS_CLIENT_ID/SECRET or DATABRICKS_TOKEN,
/// PG*). Against the local emulator, export what <c>lakebase-emulator</c> prints and run the same commands.
/// </summary>
public sealed class TodoDbContextDesignTimeFactory : IDesignTimeDbContextFactory<TodoDbContext>
{
    public TodoDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<TodoDbContext>();
        if (HasEndpoint())
        {
            options.UseLakebaseFromEnvironment(lakebase => lakebase
                .ApplicationName("TodoApp.Migrations")
                .Npgsql(npgsql => npgsql.MigrationsAssembly(TodoDbContext.MigrationsAssembly)));
        }
        else
        {
            // Model-only commands (migrations add/remove/script, has-pending-model-changes) never open a connection,
            // so they should not demand Lakebase credentials. Commands that do connect fail with the hint below.
            Console.Error.WriteLine(
                "LAKEBASE_ENDPOINT is not set: no database configured. That is fine for `migrations add`/`script`; " +
                "`database update` needs LAKEBASE_ENDPOINT, DATABRICKS_HOST and DATABRICKS_CLIENT_ID + DATABRICKS_CLIENT_SECRET (or DATABRICKS_TOKEN).");
            options.UseNpgsql(npgsql => npgsql.MigrationsAssembly(TodoDbContext.MigrationsAssembly));
        }

        return new TodoDbContext(options.Options);
    }

    private static bool HasEndpoint() =>
        !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("LAKEBASE_ENDPOINT")) ||
        !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("ENDPOINT_NAME"));
}
