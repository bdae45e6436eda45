using Lakebase.EntityFrameworkCore.Infrastructure.Internal;
using Lakebase.Npgsql;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql.EntityFrameworkCore.PostgreSQL.Infrastructure.Internal;
using Npgsql.EntityFrameworkCore.PostgreSQL.Storage.Internal;

namespace Lakebase.EntityFrameworkCore.Connection;

/// <summary>
/// EF Core's connection for a context that uses Lakebase: it opens through the context's own Lakebase data source, so
/// that a login Lakebase rejects (SQLSTATE 28P01/28000: a revoked or rotated token) is retried exactly once with a
/// fresh credential of that data source.
/// </summary>
/// <remarks>
/// This replaces a connection interceptor that did the same. A registered connection interceptor makes EF Core build
/// event data for every open and close of every context, about 1 KB per operation; overriding the open itself costs
/// nothing beyond the open. efcore.pg's connection is internal API (EF1001), so this class does nothing but the open,
/// and the package pins the efcore.pg major version it was built against.
/// </remarks>
#pragma warning disable EF1001 // Internal EF Core API usage: the only way to own the open without an interceptor.
internal sealed class LakebaseRelationalConnection : NpgsqlRelationalConnection
{
    private readonly LakebaseDataSource? _dataSource;

    public LakebaseRelationalConnection(RelationalConnectionDependencies dependencies, NpgsqlDataSourceManager dataSourceManager, IDbContextOptions options)
        : base(dependencies, dataSourceManager, options)
    {
        _dataSource = options.FindExtension<LakebaseOptionsExtension>()?.DataSource;
    }

    protected override void OpenDbConnection(bool errorsExpected)
    {
        if (_dataSource is { } dataSource)
        {
            dataSource.Open(DbConnection);
        }
        else
        {
            base.OpenDbConnection(errorsExpected);
        }
    }

    protected override Task OpenDbConnectionAsync(bool errorsExpected, CancellationToken cancellationToken) =>
        _dataSource is { } dataSource ? dataSource.OpenAsync(DbConnection, cancellationToken) : base.OpenDbConnectionAsync(errorsExpected, cancellationToken);
}
#pragma warning restore EF1001
