using Aspire.Hosting.ApplicationModel;
using Lakebase.Npgsql;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Lakebase.Aspire.Hosting.Emulator;

/// <summary>
/// The emulator is healthy when an app could use it: a Lakebase login as the handed-in principal (workspace OAuth,
/// database credential, verified TLS) answers <c>SELECT 1</c>. Its HTTP port answering is not enough: the workspace
/// API listens before the private PostgreSQL server has started. Owned by the AppHost's container, which disposes it.
/// </summary>
internal sealed class EmulatorLoginProbe(LakebaseEmulatorResource resource) : IAsyncDisposable
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private LakebaseDataSource? _dataSource;
    private bool _disposed;

    public async Task<HealthCheckResult> CheckAsync(CancellationToken cancellationToken)
    {
        if (!resource.WorkspaceEndpoint.IsAllocated || !resource.PostgresEndpoint.IsAllocated)
        {
            return HealthCheckResult.Unhealthy("The Lakebase emulator has not started yet.");
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // A check that began as the AppHost stopped must not build a data source nobody will dispose.
            if (Volatile.Read(ref _disposed))
            {
                return HealthCheckResult.Unhealthy("The AppHost is stopping.");
            }

            _dataSource ??= await BuildAsync(cancellationToken).ConfigureAwait(false);
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT 1";
            await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy($"{resource.ClientId} logged in to {LakebaseEmulatorResource.EmulatedEndpoint} and ran SELECT 1.");
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // A restarted emulator has a new CA and new tokens: start over with a fresh data source next time.
            await ResetAsync().ConfigureAwait(false);
            // The library's messages never contain a secret or a token.
            return HealthCheckResult.Unhealthy($"A Lakebase login as {resource.ClientId} failed: {exception.Message}");
        }
        finally
        {
            _gate.Release();
        }
    }

    // The gate is not disposed: a check still running at shutdown releases it in its finally. (A SemaphoreSlim whose
    // wait handle is never asked for holds nothing that needs disposing.) The data source is disposed under the gate,
    // after any check that holds it.
    public async ValueTask DisposeAsync()
    {
        Volatile.Write(ref _disposed, true);
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            await ResetAsync().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<LakebaseDataSource> BuildAsync(CancellationToken cancellationToken)
    {
        var options = new LakebaseOptions { Endpoint = LakebaseEmulatorResource.EmulatedEndpoint };
        options.OAuth.WorkspaceHost = await resource.WorkspaceUrl.GetValueAsync(cancellationToken).ConfigureAwait(false);
        options.OAuth.ClientId = resource.ClientId;
        options.OAuth.ClientSecret = await resource.ClientSecret.GetValueAsync(cancellationToken).ConfigureAwait(false);
        options.Connection.Host = LakebaseEmulatorResource.Host;
        options.Connection.Port = resource.PostgresEndpoint.Port;
        options.Connection.Database = LakebaseEmulatorResource.DatabaseName;
        options.Connection.RootCertificate = resource.CaCertificatePath;
        options.Connection.ApplicationName = "aspire-health-check";
        options.Connection.ConnectTimeout = ConnectTimeout;
        options.Connection.MaxPoolSize = 1;
        // Only what the resource says: not the AppHost's own DATABRICKS_* or PG* variables.
        options.Connection.ReadEnvironment = false;
        return LakebaseDataSourceBuilder.FromOptions(options).Build();
    }

    private async Task ResetAsync()
    {
        if (Interlocked.Exchange(ref _dataSource, null) is { } dataSource)
        {
            await dataSource.DisposeAsync().ConfigureAwait(false);
        }
    }
}

/// <summary>The health check Aspire runs for the resource; the probe it asks lives as long as the AppHost.</summary>
internal sealed class EmulatorHealthCheck(EmulatorLoginProbe probe) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        probe.CheckAsync(cancellationToken);
}
