using System.Runtime.CompilerServices;
using Lakebase.Npgsql;
using Npgsql;

namespace Lakebase.EntityFrameworkCore.Infrastructure.Internal;

/// <summary>
/// One immutable options extension per data source and target session with the default execution strategy, so that
/// options builds on the per-request path allocate none. Another strategy comes with a configure callback, which
/// allocates its settings on every build anyway.
/// </summary>
internal static class LakebaseDataSourceExtensions
{
    // Slot 0: no target session (the data source itself); slot n + 1: TargetSessionAttributes n.
    private static readonly ConditionalWeakTable<LakebaseDataSource, LakebaseOptionsExtension?[]> Extensions = new();

    public static LakebaseOptionsExtension OptionsExtension(this LakebaseDataSource dataSource, TargetSessionAttributes? targetSession, LakebaseRetryPolicy retry)
    {
        if (retry != LakebaseRetryPolicy.Default)
        {
            return new LakebaseOptionsExtension(dataSource, targetSession, retry);
        }

        var slots = Extensions.GetValue(dataSource, static _ => new LakebaseOptionsExtension?[8]);
        ref var slot = ref slots[targetSession is { } attributes ? (int)attributes + 1 : 0];
        return Volatile.Read(ref slot)
            ?? Interlocked.CompareExchange(ref slot, new LakebaseOptionsExtension(dataSource, targetSession, retry), null)
            ?? slot!;
    }
}
