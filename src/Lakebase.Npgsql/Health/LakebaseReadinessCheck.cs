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
        var status = dataSource().GetCredentialStatus();
        var data = new Dictionary<string, object> { ["endpoint"] = status.Target, ["state"] = status.State.ToString() };
        return Task.FromResult(status.State is LakebaseCredentialState.Valid or LakebaseCredentialState.RefreshFailing
            ? HealthCheckResult.Healthy($"A database credential for {status.Target} is in hand until {status.ExpiresAt:O}.", data)
            : new HealthCheckResult(context.Registration.FailureStatus, $"Not ready: no usable database credential for {status.Target} yet ({status.State}).", data: data));
    }
}
