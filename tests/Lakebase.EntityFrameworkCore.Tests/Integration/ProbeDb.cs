using Microsoft.EntityFrameworkCore;

namespace Lakebase.EntityFrameworkCore.Tests.Integration;

/// <summary>The smallest useful DbContext: raw SQL probes plus one table for reads and writes.</summary>
public sealed class ProbeDb(DbContextOptions<ProbeDb> options) : DbContext(options)
{
    public DbSet<Note> Notes => Set<Note>();

    /// <summary>The Databricks guide's connection check.</summary>
    public Task<Identity> WhoAmIAsync(CancellationToken cancellationToken) =>
        Database.SqlQueryRaw<Identity>("SELECT current_user AS \"User\", current_database() AS \"Database\"").SingleAsync(cancellationToken);
}

public sealed class Note
{
    public int Id { get; set; }

    public required string Text { get; set; }
}

public sealed record Identity(string User, string Database);
