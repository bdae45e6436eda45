using System.Data.Common;
using Npgsql;

namespace Lakebase.Npgsql.Connection;

/// <summary>
/// A <see cref="LakebaseDataSource"/> seen through one set of target session attributes: its connections come from
/// Npgsql's multi-host view of the same pool (the primary alone when no read routing is configured), and are opened
/// through the owner, so they share its credential and its retry after a rejected login.
/// </summary>
internal sealed class TargetSessionDataSource(LakebaseDataSource owner, TargetSessionAttributes attributes) : DbDataSource
{
    private NpgsqlDataSource? _view;

    // No lookup from a property getter: the owner's description until the view's pool exists.
    public override string ConnectionString => _view?.ConnectionString ?? owner.ConnectionString;

    public override string ToString() => $"{owner} (target session {attributes})";

    protected override DbConnection CreateDbConnection() => View().CreateConnection();

    protected override DbConnection OpenDbConnection()
    {
        var connection = View().CreateConnection();
        try
        {
            owner.Open(connection);
            Record(connection);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    protected override async ValueTask<DbConnection> OpenDbConnectionAsync(CancellationToken cancellationToken = default)
    {
        var connection = (await ViewAsync(cancellationToken).ConfigureAwait(false)).CreateConnection();
        try
        {
            await owner.OpenAsync(connection, cancellationToken).ConfigureAwait(false);
            Record(connection);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    // Which side served the open, for the routed-opens metric: the host the connection reached against the primary's.
    private void Record(NpgsqlConnection connection) =>
        LakebaseTelemetry.RecordRoutedOpen(owner.Endpoint, attributes, string.Equals(connection.Host, owner.Hosts?.Primary, StringComparison.OrdinalIgnoreCase));

    // The owner disposes the pool; a view has nothing of its own to release.
    protected override void Dispose(bool disposing)
    {
    }

    protected override ValueTask DisposeAsyncCore() => ValueTask.CompletedTask;

    private NpgsqlDataSource View() => _view ?? Select(owner.GetRoutingDataSource());

    private async ValueTask<NpgsqlDataSource> ViewAsync(CancellationToken cancellationToken) =>
        _view ?? Select(await owner.GetRoutingDataSourceAsync(cancellationToken).ConfigureAwait(false));

    // Without read-only hosts the pool is the primary's alone: attributes that accept a primary are served by it, the
    // others cannot be (read routing is configured, but the workspace reported no read-only host).
    private NpgsqlDataSource Select(NpgsqlDataSource pool) => pool switch
    {
        NpgsqlMultiHostDataSource multiHost => _view = multiHost.WithTargetSession(attributes),
        _ when attributes is TargetSessionAttributes.ReadOnly or TargetSessionAttributes.Standby => throw new LakebaseConfigurationException(
            $"No read-only host is available for {owner.Endpoint} ({attributes} reads never go to the primary): the workspace reported no read_only_host " +
            "for the endpoint and no read-only endpoint or host is configured. Enable readable secondaries on the endpoint's compute, or add ReadOnlyEndpoints; " +
            "the hosts are looked up once per data source, so restart the application afterwards."),
        _ => _view = pool,
    };
}
