using Lakebase.EntityFrameworkCore.Infrastructure.Internal;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace Lakebase.EntityFrameworkCore.Connection;

/// <summary>
/// Makes a context bound to read-only hosts (<c>UseLakebase(l =&gt; l.TargetSession(PreferStandby))</c>) read-only
/// wherever its connection lands: <c>SaveChanges</c> is refused before anything is sent, and every connection it opens
/// is set <c>READ ONLY</c>, so <c>ExecuteUpdate</c>, <c>ExecuteDelete</c> and raw SQL writes fail the same way on the
/// primary (under <c>PreferStandby</c>'s fallback) as on a replica, with an error that names the fix instead of a bare
/// SQLSTATE 25006. Npgsql resets the session when the connection returns to the pool. Stateless: registered once per
/// internal service provider; acts only for contexts whose options carry a read-only Lakebase extension.
/// </summary>
internal sealed class LakebaseReadOnlyContextInterceptor : SaveChangesInterceptor, IDbConnectionInterceptor, IDbCommandInterceptor
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

    void IDbConnectionInterceptor.ConnectionOpened(System.Data.Common.DbConnection connection, ConnectionEndEventData eventData)
    {
        if (IsReadOnly(eventData.Context, out _))
        {
            using var command = connection.CreateCommand();
            command.CommandText = SetReadOnly;
            command.ExecuteNonQuery();
        }
    }

    async Task IDbConnectionInterceptor.ConnectionOpenedAsync(System.Data.Common.DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken)
    {
        if (IsReadOnly(eventData.Context, out _))
        {
            await using var command = connection.CreateCommand();
            command.CommandText = SetReadOnly;
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    void IDbCommandInterceptor.CommandFailed(System.Data.Common.DbCommand command, CommandErrorEventData eventData) => ThrowIfWriteRefused(eventData);

    Task IDbCommandInterceptor.CommandFailedAsync(System.Data.Common.DbCommand command, CommandErrorEventData eventData, CancellationToken cancellationToken)
    {
        ThrowIfWriteRefused(eventData);
        return Task.CompletedTask;
    }

    private const string SetReadOnly = "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY";

    private static bool IsReadOnly(DbContext? context, out LakebaseOptionsExtension? extension)
    {
        extension = context?.GetService<IDbContextOptions>().FindExtension<LakebaseOptionsExtension>();
        return extension is { IsReadOnly: true };
    }

    private static void ThrowIfWriteRefused(CommandErrorEventData eventData)
    {
        if (eventData.Exception is global::Npgsql.PostgresException { SqlState: global::Npgsql.PostgresErrorCodes.ReadOnlySqlTransaction } refused
            && IsReadOnly(eventData.Context, out var extension))
        {
            throw new InvalidOperationException(ReadOnlyMessage(eventData.Context!, extension!), refused);
        }
    }

    private static string ReadOnlyMessage(DbContext context, LakebaseOptionsExtension extension) =>
        $"{context.GetType().Name} is read-only: UseLakebase(l => l.TargetSession({extension.TargetSession})) binds it to Lakebase's read-only hosts, " +
        "where writes fail (and under PreferStandby would depend on which host answered). Save through a context configured without TargetSession(...), " +
        "which uses the primary; keep this one for queries (AsNoTracking suits it).";

    private static void ThrowIfReadOnly(DbContext? context)
    {
        if (IsReadOnly(context, out var extension) && context!.ChangeTracker.HasChanges())
        {
            throw new InvalidOperationException(ReadOnlyMessage(context, extension!));
        }
    }
}
