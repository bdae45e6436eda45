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
    private readonly LakebaseDataSource _dataSource = new LakebaseDataSourceBuilder(
            "projects/p/branches/b/endpoints/ep-options-build",
            new LakebaseOAuthOptions { WorkspaceHost = "https://example.cloud.databricks.com", ClientId = "id", ClientSecret = "never-sent" })
        .Host("127.0.0.1")
        .ReadEnvironment(false)
        .Build();

    [Fact]
    public void The_provider_options_are_UseNpgsqls_for_the_data_source_and_its_target_session_views()
    {
        var bare = new DbContextOptionsBuilder().UseNpgsql(_dataSource).Options;
        var lakebase = new DbContextOptionsBuilder().UseLakebase(_dataSource).Options;
        Assert.Same(_dataSource, lakebase.FindExtension<NpgsqlOptionsExtension>()!.DataSource);
        Assert.Equal(AmbientTransactionWarning(bare), AmbientTransactionWarning(lakebase));
        Assert.Equal(WarningBehavior.Throw, AmbientTransactionWarning(lakebase));

        var reads = new DbContextOptionsBuilder().UseLakebase(_dataSource, lb => lb.TargetSession(TargetSessionAttributes.PreferStandby)).Options;
        Assert.Same(_dataSource.WithTargetSession(TargetSessionAttributes.PreferStandby), reads.FindExtension<NpgsqlOptionsExtension>()!.DataSource);

        // A second UseLakebase on the same options (AddDbContext's, then the context's OnConfiguring) changes nothing.
        var twice = new DbContextOptionsBuilder(lakebase).UseLakebase(_dataSource).Options;
        Assert.Same(lakebase.FindExtension<NpgsqlOptionsExtension>(), twice.FindExtension<NpgsqlOptionsExtension>());
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

    private static WarningBehavior? AmbientTransactionWarning(DbContextOptions options) =>
        options.FindExtension<CoreOptionsExtension>()!.WarningsConfiguration.GetBehavior(RelationalEventId.AmbientTransactionWarning);

    private static double Measure(Func<DbContextOptions> build, int builds)
    {
        var kept = 0;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < builds; i++)
        {
            kept += build().GetHashCode() & 1; // keeps the build from being optimised away
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.InRange(kept, 0, builds);
        return (double)allocated / builds;
    }
}
