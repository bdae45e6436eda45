using System.Diagnostics;
using Lakebase.Npgsql.Diagnostics;
using Lakebase.Npgsql.Resilience;
using Microsoft.Extensions.Logging;

namespace Lakebase.Npgsql.Credentials;

/// <summary>
/// The credential requests of one refresh. A foreground refresh (an open waits on it) tries a few times on transient
/// errors, within the connect timeout; a background one makes a single attempt (its timer retries). Each request is
/// counted, timed and traced.
/// </summary>
internal sealed class CredentialRequests(
    Func<CancellationToken, Task<DatabaseCredential>> fetch,
    CredentialCachePolicy policy,
    CredentialState state,
    TimeProvider time,
    ILogger logger,
    string target)
{
    // An open waiting on the API tries a few times, and only as long as its connect timeout allows.
    private const int ForegroundAttempts = 3;

    /// <summary>Requests a credential; <paramref name="cancellationToken"/> is the refresh's deadline (or the cache's disposal).</summary>
    public async Task<DatabaseCredential> RequestAsync(string trigger, bool foreground, CancellationToken cancellationToken)
    {
        using var activity = LakebaseTelemetry.ActivitySource.StartActivity("lakebase.credential.refresh");
        activity?.SetTag("lakebase.endpoint", target);
        activity?.SetTag("lakebase.trigger", trigger);
        try
        {
            return await RequestWithRetriesAsync(trigger, foreground ? ForegroundAttempts : 1, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            activity?.SetStatus(ActivityStatusCode.Error, e.GetType().Name);
            throw;
        }
    }

    private async Task<DatabaseCredential> RequestWithRetriesAsync(string trigger, int attempts, CancellationToken cancellationToken)
    {
        var budgetStart = time.GetTimestamp();
        for (var attempt = 1; ; attempt++)
        {
            var started = time.GetTimestamp();
            state.CountRequest();
            try
            {
                var credential = await fetch(cancellationToken).ConfigureAwait(false);
                LakebaseTelemetry.RecordCredentialRequest(trigger, succeeded: true, time.GetElapsedTime(started).TotalSeconds);
                return credential;
            }
            catch (Exception e)
            {
                LakebaseTelemetry.RecordCredentialRequest(trigger, succeeded: false, time.GetElapsedTime(started).TotalSeconds);
                if (e is not LakebaseCredentialException { IsTransient: true } transient || attempt >= attempts || cancellationToken.IsCancellationRequested)
                {
                    throw;
                }

                // Retry-After is waited exactly here: the open's own budget, not the jitter, decides whether it fits.
                // One longer than the open can still wait is honoured by not retrying now.
                var delay = Backoff.RetryAfter(transient.RetryAfter)
                    ?? Backoff.Delay(attempt, transient: true, retryAfter: null, policy.Jitter ? policy.Random : null, max: policy.ConnectTimeout);
                if (delay >= policy.ConnectTimeout - time.GetElapsedTime(budgetStart))
                {
                    throw;
                }

                LakebaseLog.CredentialRequestRetrying(logger, target, transient.Reason, attempt, attempts, delay);
                await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
