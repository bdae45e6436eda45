using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Lakebase.EntityFrameworkCore.Infrastructure.Internal;

/// <summary>
/// The migrator of a context bound to read-only hosts: migrations always run on the primary, so this one refuses, with
/// the fix, before anything is sent (on a replica they would fail halfway through with SQLSTATE 25006).
/// </summary>
internal sealed class LakebaseReadOnlyContextMigrator(ICurrentDbContext current) : IMigrator
{
    public void Migrate(string? targetMigration) => throw Refused();

    public Task MigrateAsync(string? targetMigration, CancellationToken cancellationToken = default) => throw Refused();

    public string GenerateScript(string? fromMigration = null, string? toMigration = null, MigrationsSqlGenerationOptions options = MigrationsSqlGenerationOptions.Default) => throw Refused();

    public bool HasPendingModelChanges() => throw Refused();

    private InvalidOperationException Refused() => new(
        $"{current.Context.GetType().Name} is bound to Lakebase's read-only hosts (UseLakebase(l => l.TargetSession(...))), and migrations always run on the primary. " +
        "Migrate with a context configured without TargetSession(...) (for dotnet ef, point the design-time factory at that one).");
}
