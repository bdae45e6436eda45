using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace Lakebase.Reliability.Fleet;

/// <summary>
/// The guide's pattern: every new physical connection asks the workspace for a credential (POST
/// <c>/api/2.0/postgres/credentials</c>, retrying 429/503 as the Databricks SDKs do, within the connect timeout); each of
/// the instance's connections is recycled after 45 minutes.
/// </summary>
internal sealed class GuideInstance(HttpClient http, Uri workspace, string endpoint, string bearer, Microsoft.Extensions.Time.Testing.FakeTimeProvider fleetClock, int connections) : IFleetInstance
{
    private readonly DateTimeOffset?[] _openedAt = new DateTimeOffset?[connections];
    private readonly InstanceClock _clock = new(fleetClock);
    private long _opens;
    private long _failed;
    private int _waiting;

    public long Opens => Interlocked.Read(ref _opens);

    public long FailedOpens => Interlocked.Read(ref _failed);

    // Every open still under way is asleep between attempts (requests in flight are the fleet's busy count).
    public bool IsSettled => Volatile.Read(ref _waiting) == _clock.Sleeping;

    public bool IsReady => true;

    public async Task OpenAsync()
    {
        // Each pool check: connections that are missing or past their lifetime are opened anew.
        var now = fleetClock.GetUtcNow();
        var opens = new List<Task>();
        for (var c = 0; c < _openedAt.Length; c++)
        {
            if (_openedAt[c] is not { } opened || now - opened >= FleetOptions.GuideConnectionLifetime)
            {
                _openedAt[c] = now; // the slot is being filled; a failure clears it
                opens.Add(OpenConnectionAsync(c));
            }
        }

        await Task.WhenAll(opens).ConfigureAwait(false);
    }

    public Task ProbeAsync() => Task.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task OpenConnectionAsync(int slot)
    {
        Interlocked.Increment(ref _opens);
        Interlocked.Increment(ref _waiting);
        var started = fleetClock.GetUtcNow();
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                var (status, retryAfter) = await RequestAsync().ConfigureAwait(false);
                if (status == HttpStatusCode.OK)
                {
                    return;
                }

                var delay = retryAfter ?? TimeSpan.FromSeconds(Math.Min(30, Math.Pow(2, attempt)));
                if (status is not (HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable) ||
                    fleetClock.GetUtcNow() + delay - started >= FleetOptions.ConnectTimeout)
                {
                    Interlocked.Increment(ref _failed);
                    _openedAt[slot] = null;
                    return;
                }

                await Task.Delay(delay, _clock).ConfigureAwait(false);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }
    }

    private async Task<(HttpStatusCode Status, TimeSpan? RetryAfter)> RequestAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(workspace, "api/2.0/postgres/credentials"))
        {
            Content = JsonContent.Create(new Dictionary<string, string> { ["endpoint"] = endpoint }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        using var response = await http.SendAsync(request).ConfigureAwait(false);
        var retryAfter = response.Headers.RetryAfter is { Delta: { } delta } ? delta
            : response.Headers.RetryAfter is { Date: { } date } ? date - fleetClock.GetUtcNow() : (TimeSpan?)null;
        return (response.StatusCode, retryAfter);
    }
}
