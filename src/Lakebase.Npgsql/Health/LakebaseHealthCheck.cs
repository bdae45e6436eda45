using Lakebase.Npgsql.Diagnostics;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Lakebase.Npgsql.Health;

/// <summary>
/// Reports a Lakebase data source's credential: Healthy while a valid credential is cached (or none was needed yet),
/// Degraded while a still-valid credential is served but refreshing it fails, Unhealthy when the credential expired
/// or logins are being refused. With <c>probe</c> it also opens a connection and runs <c>SELECT 1</c>.
/// The data it reports carries no secret.
/// </summary>
internal sealed class LakebaseHealthCheck(Func<LakebaseDataSource> dataSource, bool probe) : IHealthCheck
{
    private const int MaxErrorLength = 300;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var source = dataSource();
        if (probe)
        {
            try
            {
                await using var connection = await source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                await using var command = connection.CreateCommand();
                command.CommandText = "SELECT 1";
                await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                return new HealthCheckResult(context.Registration.FailureStatus, $"Lakebase probe failed: {Clean(e.Message)}", data: Data(source.GetCredentialStatus(), source.LastLoginFailure));
            }
        }

        var status = source.GetCredentialStatus();
        var loginFailure = source.LastLoginFailure;
        var data = Data(status, loginFailure);
        AddHosts(data, source);

        // With read routing, the read-only side is probed too: down, reads fall back to the primary (PreferStandby) or
        // fail (ReadOnly), which is worth a Degraded, not an Unhealthy, while the primary answers.
        if (probe && source.Definition.HasReadOnlyHosts && status.State is not LakebaseCredentialState.Unavailable && loginFailure is null)
        {
            var readOnly = await ProbeAsync(source.WithTargetSession(global::Npgsql.TargetSessionAttributes.ReadOnly), cancellationToken).ConfigureAwait(false);
            data["read_only"] = readOnly is null ? "up" : $"down: {readOnly}";
            AddHosts(data, source);
            if (readOnly is not null)
            {
                return HealthCheckResult.Degraded($"The primary of {status.Target} answers, but no read-only host does ({readOnly}); PreferStandby reads go to the primary.", data: data);
            }
        }

        return status.State switch
        {
            _ when loginFailure is not null => new HealthCheckResult(context.Registration.FailureStatus, $"Lakebase refused the login of {status.User} even with a fresh credential: {loginFailure}", data: data),
            LakebaseCredentialState.Unavailable => new HealthCheckResult(context.Registration.FailureStatus, $"No valid database credential for {status.Target}: {Clean(status.LastError) ?? "it expired"}", data: data),
            LakebaseCredentialState.RefreshFailing => HealthCheckResult.Degraded($"Serving a still-valid credential for {status.Target} until {status.ExpiresAt:O}, but refreshing it fails: {Clean(status.LastError)}", data: data),
            LakebaseCredentialState.NotRequested => HealthCheckResult.Healthy($"No credential requested yet for {status.Target}.", data),
            _ => HealthCheckResult.Healthy($"Credential for {status.Target} valid until {status.ExpiresAt:O}.", data),
        };
    }

    /// <summary>Runs <c>SELECT 1</c> through <paramref name="dataSource"/>; null when it answered, else why not (one line, no secret).</summary>
    private static async Task<string?> ProbeAsync(System.Data.Common.DbDataSource dataSource, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT 1";
            await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return Clean(e.Message);
        }
    }

    // The hosts as far as they are known (the read-only ones once a read view has connected).
    private static void AddHosts(Dictionary<string, object> data, LakebaseDataSource source)
    {
        if (source.Hosts is { } hosts)
        {
            data["primary_host"] = hosts.Primary;
            if (hosts.ReadOnly.Count > 0)
            {
                data["read_only_hosts"] = string.Join(", ", hosts.ReadOnly);
            }
        }
    }

    private static Dictionary<string, object> Data(LakebaseCredentialStatus status, string? loginFailure)
    {
        var data = new Dictionary<string, object>
        {
            ["endpoint"] = status.Target,
            ["user"] = status.User,
            ["source"] = status.Source,
            ["state"] = status.State.ToString(),
            ["credential_requests"] = status.CredentialRequests,
            ["refreshing"] = status.IsRefreshing,
        };
        Add(data, "expires_at", status.ExpiresAt?.ToString("O"));
        Add(data, "last_refreshed_at", status.LastRefreshedAt?.ToString("O"));
        Add(data, "next_refresh_at", status.NextRefreshAt?.ToString("O"));
        Add(data, "last_error", Clean(status.LastError));
        Add(data, "last_login_failure", loginFailure);
        return data;
    }

    private static void Add(Dictionary<string, object> data, string key, string? value)
    {
        if (value is not null)
        {
            data[key] = value;
        }
    }

    // Messages are written without secrets; this keeps health output short and on one line.
    private static string? Clean(string? message) => message is null ? null : SecretRedaction.OneLine(message, MaxErrorLength);
}
