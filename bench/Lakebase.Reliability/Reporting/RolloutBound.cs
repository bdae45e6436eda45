using Lakebase.Reliability.Fleet;

namespace Lakebase.Reliability.Reporting;

/// <summary>
/// What the rate limit alone forces at a rollout, whatever the clients do. The bucket has issued at most
/// <c>burst + rate * t</c> credentials by time t. Every instance opens once at zero (deadline: the connect timeout) and
/// then once in each later open interval k (deadline at most (k + 1) intervals + the connect timeout); an open succeeds
/// only if its instance holds a credential by its deadline. So in each of those rounds at least
/// <c>N - (burst + rate * last deadline)</c> opens fail, for any retry strategy, even a perfectly coordinated one.
/// </summary>
public static class RolloutBound
{
    /// <summary>Failed opens no client strategy can avoid over <paramref name="duration"/>.</summary>
    public static long UnavoidableFailedOpens(int instances, FleetOptions options, TimeSpan duration)
    {
        var perSecond = options.RateLimitPerMinute / 60;
        double Issued(TimeSpan by) => options.RateLimitBurst + (perSecond * by.TotalSeconds);

        var failed = Math.Max(0, instances - (long)Math.Floor(Issued(FleetOptions.ConnectTimeout)));
        for (var k = 1; FleetOptions.OpenInterval * k < duration; k++)
        {
            var lastDeadline = (FleetOptions.OpenInterval * (k + 1)) + FleetOptions.ConnectTimeout;
            var round = instances - (long)Math.Floor(Issued(lastDeadline));
            if (round <= 0)
            {
                break;
            }

            failed += round;
        }

        return failed;
    }

    /// <summary>
    /// Requests in the rollout minute when every instance refused at the start retries once within its first open (what
    /// keeps its first open from failing when the limit could serve it): N first requests plus N - burst retries.
    /// </summary>
    public static long RolloutMinuteWithOneRetryEach(int instances, FleetOptions options) =>
        instances + Math.Max(0, instances - options.RateLimitBurst);
}
