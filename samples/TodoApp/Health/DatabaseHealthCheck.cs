using System.Diagnostics;
using Lakebase.EntityFrameworkCore.Credentials;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using TodoApp.Data;
using TodoApp.Database;

namespace TodoApp.Health;

/// <summary>
/// Can the app reach its database, and what state is its Lakebase credential in? Reports expiry, last refresh and
/// source of the credential (from the plugin's status, which holds no secret) and never the token itself.
/// </summary>
public sealed class DatabaseHealthCheck(TodoDbContext db, DatabaseTargetAccessor target) : IHealthCheck
{
    /// <summary>A probe that waits longer than this is reported as unreachable rather than hanging the endpoint.</summary>
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var stopwatch = Stopwatch.StartNew();
        string? error = null;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(ProbeTimeout);
            await ProbeAsync(timeout.Token);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Npgsql's and the plugin's messages name the problem (and its fix) without secrets.
            error = exception is OperationCanceledException ? $"No answer within {ProbeTimeout.TotalSeconds:0} s." : exception.Message;
        }

        var credential = db.Database.GetLakebaseCredentialStatus();
        var data = new Dictionary<string, object>
        {
            ["reachable"] = error is null,
            ["latencyMs"] = Math.Round(stopwatch.Elapsed.TotalMilliseconds, 1),
            ["target"] = target.Target.Describe(),
            ["localEmulator"] = target.Target.IsLocalEmulator,
        };
        if (error is not null)
        {
            data["error"] = error;
        }

        if (credential is not null)
        {
            data["credential"] = Describe(credential);
        }

        if (error is not null)
        {
            return HealthCheckResult.Unhealthy("The database is not reachable.", data: data);
        }

        return credential?.State == LakebaseCredentialState.RefreshFailing
            ? HealthCheckResult.Degraded("Refreshing the database credential is failing; the current one is still valid.", data: data)
            : HealthCheckResult.Healthy("The database is reachable.", data);
    }

    /// <summary>Opens a connection (through the plugin's credential cache and auth retry) and runs SELECT 1, without EF's retries.</summary>
    private async Task ProbeAsync(CancellationToken cancellationToken)
    {
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var command = db.Database.GetDbConnection().CreateCommand();
            command.CommandText = "SELECT 1";
            await command.ExecuteScalarAsync(cancellationToken);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private static object Describe(LakebaseCredentialStatus status) => new
    {
        state = status.State.ToString(),
        source = status.Source,
        user = status.User,
        target = status.Target,
        expiresAt = status.ExpiresAt,
        lastRefreshedAt = status.LastRefreshedAt,
        nextRefreshAt = status.NextRefreshAt,
        credentialRequests = status.CredentialRequests,
        lastError = status.LastError,
    };
}
