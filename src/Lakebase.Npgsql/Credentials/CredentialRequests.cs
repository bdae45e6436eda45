using System.Diagnostics;
using Lakebase.Npgsql.Diagnostics;
using Lakebase.Npgsql.Resilience;
using Microsoft.Extensions.Logging;

namespace Lakebase.Npgsql.Credentials;

/// <summary>
/// The credential requests of one refresh. A foreground refresh (an open waits on it) tries a few times on transient
/// errors (a 429 only twice), each retry after <c>Retry-After</c> plus full jitter, within the connect timeout; a
/// background one makes a single attempt (its timer retries). Each request is
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
        var rateLimitedTries = 0;
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

                // Retry-After is a floor, with full jitter above it: instances refused together (a rollout against
                // the workspace's rate limit) must not all come back at the instant it names. A 429 is retried once,
                // spread over (most of) what is left of the open's budget; a second one means the whole fleet asks faster than
                // the limit serves, and the refresh's backoff (Backoff.RateLimited) takes over.
                var left = policy.ConnectTimeout - time.GetElapsedTime(budgetStart);
                // An instance that held a credential and lost it (revoked during a storm) has users failing now and
                // is one among few: it retries at Retry-After plus a second's jitter while its budget lasts. A first
                // fetch (a rollout's) retries once, spread over the budget.
                var rateLimited = transient.Reason == LakebaseCredentialError.RateLimited;
                var lostCredential = state.Generation > 0;
                if (rateLimited && ++rateLimitedTries > 1 && !lostCredential)
                {
                    throw;
                }

                var floor = Backoff.RetryAfter(transient.RetryAfter);
                var spread = rateLimited
                    ? lostCredential ? Backoff.First : (left - (floor ?? TimeSpan.Zero)) * 0.9
                    : Backoff.Cap(attempt, policy.ConnectTimeout);
                var delay = Backoff.Above(floor, spread > TimeSpan.Zero ? spread : TimeSpan.Zero, policy.Jitter ? policy.Random : null);
                if (delay >= left)
                {
                    throw;
                }

                LakebaseLog.CredentialRequestRetrying(logger, target, transient.Reason, attempt, attempts, delay);
                await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
