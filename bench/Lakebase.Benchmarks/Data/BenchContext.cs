using Microsoft.EntityFrameworkCore;

namespace Lakebase.Benchmarks.Data;

/// <summary>The one DbContext every variant uses; only its options (how it connects) differ.</summary>
public sealed class BenchContext(DbContextOptions<BenchContext> options) : DbContext(options)
{
    public DbSet<Item> Items => Set<Item>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.Entity<Item>(item =>
        {
            item.ToTable("items");
            item.Property(i => i.Id).HasColumnName("id").UseIdentityAlwaysColumn();
            item.Property(i => i.Name).HasColumnName("name").HasMaxLength(100);
            item.Property(i => i.Quantity).HasColumnName("quantity");
            item.Property(i => i.UpdatedAt).HasColumnName("updated_at");
        });
}
