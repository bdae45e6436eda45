using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Lakebase.Benchmarks.Variants;

/// <summary>
/// An options extension that registers nothing and keys no service provider of its own. Added to (a₀)'s options, it
/// measures what EF Core itself charges per operation for one more extension: the part of UseLakebase's cost that
/// comes with registering its services through an extension at all, whatever the extension does.
/// </summary>
internal sealed class EmptyOptionsExtension : IDbContextOptionsExtension
{
    public static EmptyOptionsExtension Instance { get; } = new();

    private EmptyOptionsExtension()
    {
        Info = new ExtensionInfo(this);
    }

    public DbContextOptionsExtensionInfo Info { get; }

    public void ApplyServices(IServiceCollection services)
    {
        // Nothing: the point is the extension's presence, not its services.
    }

    public void Validate(IDbContextOptions options)
    {
        // Nothing to validate.
    }

    private sealed class ExtensionInfo(IDbContextOptionsExtension extension) : DbContextOptionsExtensionInfo(extension)
    {
        public override bool IsDatabaseProvider => false;

        public override string LogFragment => "";

        public override int GetServiceProviderHashCode() => 0;

        public override bool ShouldUseSameServiceProvider(DbContextOptionsExtensionInfo other) => other is ExtensionInfo;

        public override void PopulateDebugInfo(IDictionary<string, string> debugInfo)
        {
            // Nothing to show.
        }
    }
}
