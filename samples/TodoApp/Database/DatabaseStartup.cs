using Lakebase.Npgsql;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Storage;
using TodoApp.Data;

namespace TodoApp.Database;

/// <summary>
/// Runs before the app serves: starts the local emulator when nothing is configured and <see cref="EmulatorFallback"/>
/// allows it (otherwise stops with the settings to set), checks the "Lakebase" settings (failing fast with every
/// problem listed), and applies migrations where that is the policy.
/// </summary>
/// <remarks>
/// Migration policy: the local emulator is always migrated (it is the developer's own database). Real Lakebase is
/// migrated only with Lakebase:MigrateOnStartup=true, because in production the app's role should only read and write
/// rows (migrations/sql/role-setup.sql) and schema changes are a deliberate deploy step
/// (<c>dotnet ef database update</c> or migrations/sql/migrate.sql). Otherwise the app only warns about pending ones.
/// </remarks>
public sealed partial class DatabaseStartup(
    IConfiguration configuration,
    IHostEnvironment environment,
    LocalEmulator localEmulator,
    IServiceScopeFactory scopes,
    ILogger<DatabaseStartup> logger)
{
    /// <summary>Returns a description of where the todos live (no secrets).</summary>
    public async Task<string> InitializeAsync(CancellationToken cancellationToken)
    {
        var section = configuration.GetSection(LakebaseOptions.DefaultSectionName);
        var usesLocalEmulator = !(section.Get<LakebaseOptions>() ?? new LakebaseOptions()).HasWorkspaceSettings();
        if (usesLocalEmulator && !EmulatorFallback.IsAllowed(configuration, environment))
        {
            throw new DatabaseStartupException(EmulatorFallback.MissingSettingsMessage(environment));
        }

        if (usesLocalEmulator)
        {
            var dataDirectory = localEmulator.ResolveDataDirectory(section["Emulator:DataDirectory"]);
            LogStartingEmulator(logger, dataDirectory);
            await localEmulator.StartAsync(dataDirectory, cancellationToken);
        }

        await using var scope = scopes.CreateAsyncScope();
        var dataSource = scope.ServiceProvider.GetRequiredService<LakebaseDataSource>(); // validates the settings
        var target = $"{(usesLocalEmulator ? "local Lakebase emulator" : "Databricks Lakebase")} ({dataSource})";
        LogTarget(logger, target);

        var db = scope.ServiceProvider.GetRequiredService<TodoDbContext>();
        if (usesLocalEmulator || section.GetValue<bool>("MigrateOnStartup"))
        {
            if (!await MigrationsHistoryExistsAsync(db, cancellationToken))
            {
                // Migrate would create it too, but only after probing it: see MigrationsHistoryExistsAsync.
                await db.Database.ExecuteSqlRawAsync(db.GetService<IHistoryRepository>().GetCreateIfNotExistsScript(), cancellationToken);
            }

            await db.Database.MigrateAsync(cancellationToken); // logs each migration it applies
            LogMigrated(logger);
        }
        else
        {
            await WarnAboutPendingMigrationsAsync(db, cancellationToken);
        }

        return target;
    }

    private async Task WarnAboutPendingMigrationsAsync(TodoDbContext db, CancellationToken cancellationToken)
    {
        try
        {
            var pending = await MigrationsHistoryExistsAsync(db, cancellationToken)
                ? (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList()
                : db.Database.GetMigrations().ToList();
            if (pending.Count > 0)
            {
                LogPendingMigrations(logger, pending.Count, string.Join(", ", pending));
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // Keep serving: /health reports the database as unreachable, and the problem may be transient.
            LogDatabaseUnreachable(logger, exception);
        }
    }

    /// <summary>
    /// Whether the migrations history table exists, asked without touching it. The PostgreSQL provider finds out by
    /// selecting from the table and catching "relation does not exist" (npgsql/efcore.pg#3407), and EF logs that failed
    /// command as an Error ("fail: ... Failed executing DbCommand") on every fresh database, which reads like a fault.
    /// </summary>
    private static async Task<bool> MigrationsHistoryExistsAsync(TodoDbContext db, CancellationToken cancellationToken)
    {
        var relational = RelationalOptionsExtension.Extract(db.GetService<IDbContextOptions>());
        var table = db.GetService<ISqlGenerationHelper>().DelimitIdentifier(
            relational.MigrationsHistoryTableName ?? HistoryRepository.DefaultTableName, relational.MigrationsHistoryTableSchema);
        // to_regclass resolves the name through search_path, as the provider's unqualified SELECT does.
        return await db.Database.SqlQuery<bool>($"SELECT to_regclass({table}) IS NOT NULL AS \"Value\"").SingleAsync(cancellationToken);
    }

    [LoggerMessage(1, LogLevel.Information, "No Lakebase settings found: starting the local Lakebase emulator with its data in {DataDirectory} (delete it to start over).")]
    private static partial void LogStartingEmulator(ILogger logger, string dataDirectory);

    [LoggerMessage(2, LogLevel.Information, "Todos are stored in the {Target}.")]
    private static partial void LogTarget(ILogger logger, string target);

    [LoggerMessage(3, LogLevel.Information, "The database schema is up to date.")]
    private static partial void LogMigrated(ILogger logger);

    [LoggerMessage(4, LogLevel.Warning, "{Count} migration(s) are not applied ({Migrations}). Run `dotnet ef database update --project migrations/TodoApp.Migrations` " +
        "or migrations/sql/migrate.sql, or set Lakebase:MigrateOnStartup=true.")]
    private static partial void LogPendingMigrations(ILogger logger, int count, string migrations);

    [LoggerMessage(5, LogLevel.Warning, "Could not reach the database at startup; serving anyway (see /health).")]
    private static partial void LogDatabaseUnreachable(ILogger logger, Exception exception);
}
