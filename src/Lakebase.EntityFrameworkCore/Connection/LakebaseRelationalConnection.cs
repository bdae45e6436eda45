using Lakebase.EntityFrameworkCore.Infrastructure.Internal;
using Lakebase.Npgsql;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using Npgsql.EntityFrameworkCore.PostgreSQL.Infrastructure.Internal;
using Npgsql.EntityFrameworkCore.PostgreSQL.Storage.Internal;

namespace Lakebase.EntityFrameworkCore.Connection;

/// <summary>
/// EF Core's connection for a context that uses Lakebase: it opens through the context's own Lakebase data source, so
/// that a login Lakebase rejects (SQLSTATE 28P01/28000: a revoked or rotated token) is retried exactly once with a
/// fresh credential of that data source.
/// </summary>
/// <remarks>
/// <para>
/// Not covered: the administrative connection efcore.pg makes to the <c>postgres</c> database to create or drop a
/// database (<c>EnsureCreated</c> on a database that does not exist, <c>EnsureDeleted</c>). It is efcore.pg's own, and
/// logs in with the credential current at that moment, without the retry or Lakebase's explanation of a TLS failure.
/// </para>
/// <para>
/// This replaces a connection interceptor that did the same. A registered connection interceptor makes EF Core build
/// event data for every open and close of every context, about 1 KB per operation; overriding the open itself costs
/// nothing beyond the open. efcore.pg's connection is internal API (EF1001), so this class does nothing but the open,
/// and the package pins the efcore.pg major version it was built against.
/// </para>
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
        if (_dataSource is { } dataSource && HeldNpgsqlConnection is { } connection)
        {
            dataSource.Open(connection);
        }
        else
        {
            base.OpenDbConnection(errorsExpected);
        }
    }

    protected override Task OpenDbConnectionAsync(bool errorsExpected, CancellationToken cancellationToken) =>
        _dataSource is { } dataSource && HeldNpgsqlConnection is { } connection
            ? dataSource.OpenAsync(connection, cancellationToken)
            : base.OpenDbConnectionAsync(errorsExpected, cancellationToken);

    // The connection as EF Core holds it: efcore.pg's typed property casts, and a profiler's wrapper (set with
    // SetDbConnection or a ConnectionCreated interceptor) is no NpgsqlConnection. Such a one opens as EF Core opens it.
    private NpgsqlConnection? HeldNpgsqlConnection => ((RelationalConnection)this).DbConnection as NpgsqlConnection;
}
#pragma warning restore EF1001
