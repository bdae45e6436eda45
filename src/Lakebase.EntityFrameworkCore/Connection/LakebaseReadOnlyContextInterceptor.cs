using Lakebase.EntityFrameworkCore.Infrastructure.Internal;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace Lakebase.EntityFrameworkCore.Connection;

/// <summary>
/// Refuses <c>SaveChanges</c> on a context bound to read-only hosts (<c>UseLakebase(l =&gt; l.TargetSession(PreferStandby))</c>)
/// before anything is sent: on a replica the write would fail with SQLSTATE 25006, and under <c>PreferStandby</c> it
/// would succeed or fail depending on which host answered. Stateless: registered once per internal service provider.
/// </summary>
internal sealed class LakebaseReadOnlyContextInterceptor : SaveChangesInterceptor
{
    private LakebaseReadOnlyContextInterceptor()
    {
    }

    public static LakebaseReadOnlyContextInterceptor Instance { get; } = new();

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        ThrowIfReadOnly(eventData.Context);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        ThrowIfReadOnly(eventData.Context);
        return ValueTask.FromResult(result);
    }

    private static void ThrowIfReadOnly(DbContext? context)
    {
        if (context?.GetService<IDbContextOptions>().FindExtension<LakebaseOptionsExtension>() is { IsReadOnly: true } extension
            && context.ChangeTracker.HasChanges())
        {
            throw new InvalidOperationException(
                $"{context.GetType().Name} is read-only: UseLakebase(l => l.TargetSession({extension.TargetSession})) binds it to Lakebase's read-only hosts, " +
                "where writes fail (and under PreferStandby would depend on which host answered). Save through a context configured without TargetSession(...), " +
                "which uses the primary; keep this one for queries (AsNoTracking suits it).");
        }
    }
}
