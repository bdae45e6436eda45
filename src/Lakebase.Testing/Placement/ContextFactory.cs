using System.Reflection;
using Microsoft.EntityFrameworkCore;

namespace Lakebase.Testing.Placement;

/// <summary>Creates a context through its <c>(DbContextOptions&lt;TContext&gt;)</c> constructor, or says plainly that it has none.</summary>
internal static class ContextFactory
{
    public static TContext Create<TContext>(DbContextOptions<TContext> options)
        where TContext : DbContext
    {
        var constructor = typeof(TContext).GetConstructor([typeof(DbContextOptions<TContext>)])
            ?? throw new InvalidOperationException(
                $"{typeof(TContext).Name} has no public constructor taking DbContextOptions<{typeof(TContext).Name}>. " +
                $"Pass a factory instead: MigrateAsync<{typeof(TContext).Name}>(options => new {typeof(TContext).Name}(options, ...)).");
        return (TContext)constructor.Invoke(BindingFlags.DoNotWrapExceptions, binder: null, [options], culture: null);
    }
}
