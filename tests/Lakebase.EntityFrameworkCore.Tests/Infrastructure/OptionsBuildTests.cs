using Lakebase.EntityFrameworkCore.Infrastructure.Internal;
using Lakebase.Npgsql;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Npgsql;
#pragma warning disable EF1001 // The test reads efcore.pg's options extension to compare what UseLakebase and UseNpgsql configure.
using Npgsql.EntityFrameworkCore.PostgreSQL.Infrastructure.Internal;

namespace Lakebase.EntityFrameworkCore.Tests.Infrastructure;

/// <summary>
/// What UseLakebase puts in a context's options on the per-request path (AddDbContext builds options per scope):
/// exactly what UseNpgsql would for the provider, with the application's earlier Npgsql settings kept, and at no more
/// allocation than UseNpgsql's. Building options contacts nothing, so no server is needed.
/// </summary>
public sealed class OptionsBuildTests : IAsyncLifetime
{
    private readonly LakebaseDataSource _dataSource = UnconnectedDataSource.Create("ep-options-build");

    [Fact]
    public void The_provider_options_are_UseNpgsqls_for_the_data_source_and_its_target_session_views()
    {
        AssertSameProviderOptions(
            new DbContextOptionsBuilder().UseNpgsql(_dataSource).Options,
            new DbContextOptionsBuilder().UseLakebase(_dataSource).Options);

        var view = _dataSource.WithTargetSession(TargetSessionAttributes.PreferStandby);
        var reads = new DbContextOptionsBuilder().UseLakebase(_dataSource, lb => lb.TargetSession(TargetSessionAttributes.PreferStandby)).Options;
        AssertSameProviderOptions(new DbContextOptionsBuilder().UseNpgsql(view).Options, reads);
        Assert.Same(view, reads.FindExtension<NpgsqlOptionsExtension>()!.DataSource);

        // A second UseLakebase on the same options (AddDbContext's, then the context's OnConfiguring) changes nothing.
        var once = new DbContextOptionsBuilder().UseLakebase(_dataSource).Options;
        var twice = new DbContextOptionsBuilder(once).UseLakebase(_dataSource).Options;
        Assert.Same(once.FindExtension<NpgsqlOptionsExtension>(), twice.FindExtension<NpgsqlOptionsExtension>());
    }

    [Fact]
    public void UseNpgsql_after_UseLakebase_applies_its_settings_to_that_context_only()
    {
        var after = new DbContextOptionsBuilder().UseLakebase(_dataSource).UseNpgsql(n => n.CommandTimeout(3)).Options;
        Assert.Equal(3, after.FindExtension<NpgsqlOptionsExtension>()!.CommandTimeout);
        Assert.Same(_dataSource, after.FindExtension<NpgsqlOptionsExtension>()!.DataSource);

        Assert.Null(new DbContextOptionsBuilder().UseLakebase(_dataSource).Options.FindExtension<NpgsqlOptionsExtension>()!.CommandTimeout);
    }

    [Fact]
    public void Npgsql_settings_made_before_UseLakebase_or_in_its_Npgsql_options_are_kept()
    {
        var before = new DbContextOptionsBuilder().UseNpgsql(n => n.CommandTimeout(7).MigrationsHistoryTable("history")).UseLakebase(_dataSource).Options;
        var npgsql = before.FindExtension<NpgsqlOptionsExtension>()!;
        Assert.Same(_dataSource, npgsql.DataSource);
        Assert.Equal(7, npgsql.CommandTimeout);
        Assert.Equal("history", npgsql.MigrationsHistoryTableName);

        var within = new DbContextOptionsBuilder().UseLakebase(_dataSource, lb => lb.Npgsql(n => n.CommandTimeout(9))).Options;
        Assert.Equal(9, within.FindExtension<NpgsqlOptionsExtension>()!.CommandTimeout);

        // ...and a build after those still starts from nothing of theirs.
        Assert.Null(new DbContextOptionsBuilder().UseLakebase(_dataSource).Options.FindExtension<NpgsqlOptionsExtension>()!.CommandTimeout);
    }

    [Fact]
    public void An_options_build_allocates_no_more_than_UseNpgsql_on_the_same_data_source()
    {
        // Exact per-thread allocation counts, averaged over many builds after both paths are warm (JIT, caches).
        const int Builds = 500;
        Measure(Bare, Builds);
        Measure(Lakebase, Builds);

        var bare = Measure(Bare, Builds);
        var lakebase = Measure(Lakebase, Builds);
        Assert.True(lakebase <= bare, $"UseLakebase allocated {lakebase:F0} bytes per options build, UseNpgsql {bare:F0}.");

        DbContextOptions Bare() => new DbContextOptionsBuilder<DbContext>().UseNpgsql(_dataSource).Options;
        DbContextOptions Lakebase() => new DbContextOptionsBuilder<DbContext>().UseLakebase(_dataSource).Options;
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    // Everything EF Core reads of the two extensions UseNpgsql writes: which internal service provider they key, what
    // they log and show, and the warning defaults; and the order the extensions were added in.
    private static void AssertSameProviderOptions(DbContextOptions bare, DbContextOptions lakebase)
    {
        Assert.Equal(
            bare.Extensions.Select(e => e.GetType()),
            lakebase.Extensions.Select(e => e.GetType()).Where(t => t != typeof(LakebaseOptionsExtension)));
        Assert.Same(bare.FindExtension<NpgsqlOptionsExtension>()!.DataSource, lakebase.FindExtension<NpgsqlOptionsExtension>()!.DataSource);
        AssertSameInfo(bare.FindExtension<NpgsqlOptionsExtension>()!.Info, lakebase.FindExtension<NpgsqlOptionsExtension>()!.Info);
        AssertSameInfo(bare.FindExtension<CoreOptionsExtension>()!.Info, lakebase.FindExtension<CoreOptionsExtension>()!.Info);

        var warnings = lakebase.FindExtension<CoreOptionsExtension>()!.WarningsConfiguration;
        Assert.Equal(bare.FindExtension<CoreOptionsExtension>()!.WarningsConfiguration.GetServiceProviderHashCode(), warnings.GetServiceProviderHashCode());
        Assert.Equal(WarningBehavior.Throw, warnings.GetBehavior(RelationalEventId.AmbientTransactionWarning));
    }

    private static void AssertSameInfo(DbContextOptionsExtensionInfo bare, DbContextOptionsExtensionInfo lakebase)
    {
        Assert.Equal(bare.GetServiceProviderHashCode(), lakebase.GetServiceProviderHashCode());
        Assert.True(bare.ShouldUseSameServiceProvider(lakebase));
        Assert.Equal(bare.LogFragment, lakebase.LogFragment);
        Dictionary<string, string> bareDebug = [], lakebaseDebug = [];
        bare.PopulateDebugInfo(bareDebug);
        lakebase.PopulateDebugInfo(lakebaseDebug);
        Assert.Equal(bareDebug.OrderBy(p => p.Key), lakebaseDebug.OrderBy(p => p.Key));
    }

    private static double Measure(Func<DbContextOptions> build, int builds)
    {
        DbContextOptions? last = null;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < builds; i++)
        {
            last = build();
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        GC.KeepAlive(last);
        return (double)allocated / builds;
    }
}
