using System.Diagnostics;
using Lakebase.Benchmarks.Data;
using Lakebase.Benchmarks.Variants;
using Microsoft.EntityFrameworkCore;

namespace Lakebase.Benchmarks.Scenarios;

/// <summary>One connection open through EF Core, the path an application takes (UseLakebase's interceptor included).</summary>
internal static class OpenConnection
{
    /// <returns>How long the open alone took (context creation and close are not timed).</returns>
    public static async Task<TimeSpan> OpenAndCloseAsync(ConnectionVariant variant, CancellationToken ct)
    {
        await using var db = new BenchContext(variant.CreateOptions());
        var start = Stopwatch.GetTimestamp();
        await db.Database.OpenConnectionAsync(ct).ConfigureAwait(false);
        var opened = Stopwatch.GetElapsedTime(start);
        await db.Database.CloseConnectionAsync().ConfigureAwait(false);
        return opened;
    }
}
