using Microsoft.EntityFrameworkCore;

namespace Lakebase.Reliability.Soak;

/// <summary>The soak's one table: every row a worker wrote, keyed by an id the worker chose (so the ledger can name it).</summary>
public sealed class SoakDb(DbContextOptions<SoakDb> options) : DbContext(options)
{
    public DbSet<SoakWrite> Writes => Set<SoakWrite>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.Entity<SoakWrite>(e =>
        {
            e.ToTable("soak_writes");
            e.HasKey(w => w.Id);
            e.Property(w => w.Id).HasColumnName("id").ValueGeneratedNever();
            e.Property(w => w.Worker).HasColumnName("worker");
            e.Property(w => w.Sequence).HasColumnName("sequence");
            e.Property(w => w.WrittenAt).HasColumnName("written_at");
        });
}

public sealed class SoakWrite
{
    public Guid Id { get; set; }

    public int Worker { get; set; }

    public long Sequence { get; set; }

    public DateTime WrittenAt { get; set; }
}
