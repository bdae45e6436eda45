using System.Data.Common;
using Lakebase.EntityFrameworkCore.Infrastructure.Internal;
using Lakebase.Npgsql;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Npgsql;

namespace Lakebase.EntityFrameworkCore.Connection;

/// <summary>
/// Opens EF Core's connections through the context's own Lakebase data source, so that a login Lakebase rejects
/// (SQLSTATE 28P01/28000: a revoked or rotated token) is retried exactly once with a fresh credential of that data
/// source. Only for a context given its own internal service provider (<c>UseInternalServiceProvider</c>), which
/// keeps efcore.pg's connection; every other context gets <see cref="LakebaseRelationalConnection"/>, which does the same
/// without the per-open cost of an interceptor. Stateless and shared: it acts only for contexts whose options carry a
/// Lakebase extension, and always with that extension's data source, however many times <c>UseLakebase</c> was called.
/// </summary>
internal sealed class LakebaseAuthenticationRetryInterceptor : DbConnectionInterceptor
{
    private LakebaseAuthenticationRetryInterceptor()
    {
    }

    public static LakebaseAuthenticationRetryInterceptor Instance { get; } = new();

    public override InterceptionResult ConnectionOpening(DbConnection connection, ConnectionEventData eventData, InterceptionResult result)
    {
        if (result.IsSuppressed || DataSourceOf(eventData) is not { } dataSource || connection is not NpgsqlConnection npgsql)
        {
            return result;
        }

        dataSource.Open(npgsql);
        return InterceptionResult.Suppress();
    }

    public override async ValueTask<InterceptionResult> ConnectionOpeningAsync(
        DbConnection connection, ConnectionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default)
    {
        if (result.IsSuppressed || DataSourceOf(eventData) is not { } dataSource || connection is not NpgsqlConnection npgsql)
        {
            return result;
        }

        await dataSource.OpenAsync(npgsql, cancellationToken).ConfigureAwait(false);
        return InterceptionResult.Suppress();
    }

    private static LakebaseDataSource? DataSourceOf(ConnectionEventData eventData) =>
        eventData.Context?.GetService<IDbContextOptions>().FindExtension<LakebaseOptionsExtension>()?.DataSource;
}
