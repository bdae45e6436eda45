using System.Runtime.CompilerServices;
using Lakebase.Npgsql;
using Npgsql;

namespace Lakebase.EntityFrameworkCore.Infrastructure.Internal;

/// <summary>One immutable options extension per data source and target session, so that options builds on the per-request path allocate none.</summary>
internal static class LakebaseDataSourceExtensions
{
    // Slot 0: no target session (the data source itself); slot n + 1: TargetSessionAttributes n.
    private static readonly ConditionalWeakTable<LakebaseDataSource, LakebaseOptionsExtension?[]> Extensions = new();

    public static LakebaseOptionsExtension OptionsExtension(this LakebaseDataSource dataSource, TargetSessionAttributes? targetSession = null)
    {
        var slots = Extensions.GetValue(dataSource, static _ => new LakebaseOptionsExtension?[8]);
        ref var slot = ref slots[targetSession is { } attributes ? (int)attributes + 1 : 0];
        return Volatile.Read(ref slot)
            ?? Interlocked.CompareExchange(ref slot, new LakebaseOptionsExtension(dataSource, targetSession), null)
            ?? slot!;
    }
}
