using System.Runtime.CompilerServices;
using Lakebase.Npgsql;

namespace Lakebase.EntityFrameworkCore.Infrastructure.Internal;

/// <summary>One immutable options extension per data source, so that options builds on the per-request path allocate none.</summary>
internal static class LakebaseDataSourceExtensions
{
    private static readonly ConditionalWeakTable<LakebaseDataSource, LakebaseOptionsExtension> Extensions = new();

    public static LakebaseOptionsExtension OptionsExtension(this LakebaseDataSource dataSource) =>
        Extensions.GetValue(dataSource, static d => new LakebaseOptionsExtension(d));
}
