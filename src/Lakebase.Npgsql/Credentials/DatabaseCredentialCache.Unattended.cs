using Lakebase.Npgsql.Resilience;

namespace Lakebase.Npgsql.Credentials;

/// <summary>Fetches nobody waits on: "who waits decides how eagerly to retry".</summary>
internal sealed partial class DatabaseCredentialCache
{
    // The trigger of a fetch with nobody waiting on it (warm-up, readiness): one request, and a refusal for rate limiting
    // is remembered over Backoff's unattended window instead of being retried within a connect timeout.
    private const string Unattended = "unattended";

    /// <summary>
    /// The credential for a fetch nobody waits on (the host's warm-up, the readiness probe): the cached one, else a single
    /// request, never retried in line. A refusal is remembered (a rate limit over <see cref="Backoff.RateLimited"/>'s
    /// unattended window, minutes long) and calls inside it fail at once without asking the workspace.
    /// </summary>
    public async Task<DatabaseCredential> PrefetchAsync(CancellationToken cancellationToken)
    {
        Task<DatabaseCredential> refresh;
        lock (_state.Gate)
        {
            if (_state.Serving is { } stored && _time.GetUtcNow() < stored.UsableUntil)
            {
                return stored;
            }

            // The whole window binds fetches nobody waits on; an open a user waits on is held only for the shorter
            // window the single flight remembers (see OnRefreshFailed).
            refresh = !_refresh.IsRunning && _state.InBackoff(_time.GetUtcNow()) && _state.LastFailure is { } failure
                ? Task.FromException<DatabaseCredential>(failure)
                : Start(Unattended);
        }

        return await WaitAsync(refresh, cancellationToken).ConfigureAwait(false);
    }
}
