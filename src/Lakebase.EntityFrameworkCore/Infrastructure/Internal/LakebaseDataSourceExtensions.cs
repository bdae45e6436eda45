using System.Data.Common;
using System.Runtime.CompilerServices;
using Lakebase.Npgsql;
using Npgsql;
using Npgsql.EntityFrameworkCore.PostgreSQL.Infrastructure.Internal;

namespace Lakebase.EntityFrameworkCore.Infrastructure.Internal;

/// <summary>
/// The immutable options extensions UseLakebase puts in a context's options, one per data source and target session,
/// so that options builds on the per-request path allocate none of them:
/// <list type="bullet">
/// <item>Lakebase's own, with the default execution strategy. Another strategy comes with a configure callback, which
/// allocates its settings on every build anyway.</item>
/// <item>efcore.pg's, holding only the data source. <c>UseNpgsql(dataSource)</c> would create and then clone one on
/// every build (and EF Core would describe each anew); an options extension is immutable, so one instance serves all.</item>
/// </list>
/// </summary>
internal static class LakebaseDataSourceExtensions
{
    // Slot 0: no target session (the data source itself); slot n + 1: TargetSessionAttributes n.
    private const int Slots = 8;

    private static readonly ConditionalWeakTable<LakebaseDataSource, CachedExtensions> Extensions = new();

    public static LakebaseOptionsExtension OptionsExtension(this LakebaseDataSource dataSource, TargetSessionAttributes? targetSession, LakebaseRetryPolicy retry) =>
        retry != LakebaseRetryPolicy.Default
            ? new LakebaseOptionsExtension(dataSource, targetSession, retry)
            : GetOrCreate(ref Cached(dataSource).Lakebase[Slot(targetSession)], (dataSource, targetSession), static key => new LakebaseOptionsExtension(key.dataSource, key.targetSession, LakebaseRetryPolicy.Default));

#pragma warning disable EF1001
    /// <summary>
    /// efcore.pg's options extension exactly as <c>UseNpgsql(dataSource)</c> makes it on options that have none yet: its
    /// defaults with the data source (or the target session's view of it) set.
    /// </summary>
    public static NpgsqlOptionsExtension NpgsqlExtension(this LakebaseDataSource dataSource, TargetSessionAttributes? targetSession) =>
        GetOrCreate(ref Cached(dataSource).Npgsql[Slot(targetSession)], (dataSource, targetSession), static key => (NpgsqlOptionsExtension)new NpgsqlOptionsExtension().WithDataSource(key.dataSource.View(key.targetSession)));
#pragma warning restore EF1001

    /// <summary>The data source a context with <paramref name="targetSession"/> connects through: the data source itself, or its view.</summary>
    public static DbDataSource View(this LakebaseDataSource dataSource, TargetSessionAttributes? targetSession) =>
        targetSession is { } target ? dataSource.WithTargetSession(target) : dataSource;

    private static CachedExtensions Cached(LakebaseDataSource dataSource) => Extensions.GetValue(dataSource, static _ => new CachedExtensions());

    private static int Slot(TargetSessionAttributes? targetSession) => targetSession is { } attributes ? (int)attributes + 1 : 0;

    // Static factories with their key, so that a cache hit allocates nothing; racing builds keep the first stored.
    private static T GetOrCreate<T, TKey>(ref T? slot, TKey key, Func<TKey, T> create)
        where T : class =>
        Volatile.Read(ref slot) ?? Interlocked.CompareExchange(ref slot, create(key), null) ?? slot!;

    private sealed class CachedExtensions
    {
        public LakebaseOptionsExtension?[] Lakebase { get; } = new LakebaseOptionsExtension?[Slots];

#pragma warning disable EF1001
        public NpgsqlOptionsExtension?[] Npgsql { get; } = new NpgsqlOptionsExtension?[Slots];
#pragma warning restore EF1001
    }
}
