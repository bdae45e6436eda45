using Microsoft.EntityFrameworkCore;

namespace TodoApp.Data;

/// <summary>The sample's database. Configured by the caller (UseLakebase in the app and in the design-time factory).</summary>
public sealed class TodoDbContext(DbContextOptions<TodoDbContext> options) : DbContext(options)
{
    /// <summary>
    /// The assembly holding the migrations. They live in their own project (migrations/TodoApp.Migrations), so every
    /// UseLakebase call for this context must point EF at it.
    /// </summary>
    public const string MigrationsAssembly = "TodoApp.Migrations";

    public DbSet<Todo> Todos => Set<Todo>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        // Lower-case, snake_case names: no quoting needed in psql or in a DBA's scripts.
        modelBuilder.Entity<Todo>(todo =>
        {
            todo.ToTable("todos");
            todo.Property(t => t.Id).HasColumnName("id");
            todo.Property(t => t.Title).HasColumnName("title");
            todo.Property(t => t.IsCompleted).HasColumnName("is_completed");
            todo.Property(t => t.CreatedAt).HasColumnName("created_at");
            todo.Property(t => t.CompletedAt).HasColumnName("completed_at");
        });
    }
}
