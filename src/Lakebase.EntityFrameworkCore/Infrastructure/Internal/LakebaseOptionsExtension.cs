using Lakebase.Npgsql;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Lakebase.EntityFrameworkCore.Infrastructure.Internal;

/// <summary>
/// Records on the DbContext options which Lakebase data source a context uses, so that the authentication retry acts
/// with that context's own credential, and diagnostics (<c>Database.GetLakebaseCredentialStatus()</c>) and EF Core's
/// logs can find and describe it.
/// </summary>
internal sealed class LakebaseOptionsExtension(LakebaseDataSource dataSource) : IDbContextOptionsExtension
{
    private ExtensionInfo? _info;

    public LakebaseDataSource DataSource => dataSource;

    public DbContextOptionsExtensionInfo Info => _info ??= new ExtensionInfo(this);

    public void ApplyServices(IServiceCollection services)
    {
        // Nothing to add to EF's internal services: the data source, the interceptor and the execution strategy
        // are all wired through Npgsql's and EF Core's public options.
    }

    public void Validate(IDbContextOptions options)
    {
    }

    private sealed class ExtensionInfo(LakebaseOptionsExtension extension) : DbContextOptionsExtensionInfo(extension)
    {
        private new LakebaseOptionsExtension Extension => (LakebaseOptionsExtension)base.Extension;

        public override bool IsDatabaseProvider => false;

        public override string LogFragment => $"using Lakebase {Extension.DataSource} ";

        // The Npgsql extension already keys EF's internal service provider on the data source instance.
        public override int GetServiceProviderHashCode() => 0;

        public override bool ShouldUseSameServiceProvider(DbContextOptionsExtensionInfo other) => other is ExtensionInfo;

        public override void PopulateDebugInfo(IDictionary<string, string> debugInfo) =>
            debugInfo["Lakebase:DataSource"] = Extension.DataSource.ToString();
    }
}
