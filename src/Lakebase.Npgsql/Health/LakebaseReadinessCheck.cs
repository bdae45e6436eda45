using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Lakebase.Npgsql.Health;

/// <summary>
/// Readiness: not ready until the data source holds a usable database credential (after its warm-up, or its first
/// open), so a load balancer sends no request to an instance whose first request would wait on the credential API.
/// Ready again as soon as a refresh succeeds; a refresh failing while the credential is still valid stays ready.
/// </summary>
internal sealed class LakebaseReadinessCheck(Func<LakebaseDataSource> dataSource) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var source = dataSource();
        var status = source.GetCredentialStatus();

        // Not ready, and nothing may ever open a connection while the load balancer holds traffic off: ask for the
        // credential in the background. Nobody waits on it, so it makes one request and a refusal is remembered for
        // its backoff (minutes when rate-limited): a fleet rolling out does not retry in step, and probes inside the
        // window ask nothing.
        if (status.State is LakebaseCredentialState.NotRequested or LakebaseCredentialState.Unavailable)
        {
            _ = source.Credentials.PrefetchAsync(CancellationToken.None).ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
        }

        var data = new Dictionary<string, object> { ["endpoint"] = status.Target, ["state"] = status.State.ToString() };
        return Task.FromResult(status.State is LakebaseCredentialState.Valid or LakebaseCredentialState.RefreshFailing
            ? HealthCheckResult.Healthy($"A database credential for {status.Target} is in hand until {status.ExpiresAt:O}.", data)
            : new HealthCheckResult(context.Registration.FailureStatus, $"Not ready: no usable database credential for {status.Target} yet ({status.State}).", data: data));
    }
}
