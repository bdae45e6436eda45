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
    /// The fewest requests in the rollout minute that keep the first round's failed opens at the bound: all N ask at zero
    /// and the burst serves B of them; every further credential issued by the first deadline (at most rate times the
    /// connect timeout, which is shorter than the minute) goes to an instance refused at zero, so it is that instance's
    /// second request, inside the rollout minute. Any strategy that makes fewer fails opens the limit could have served.
    /// </summary>
    public static long FewestRolloutRequestsAtTheBound(int instances, FleetOptions options)
    {
        var refused = Math.Max(0, instances - options.RateLimitBurst);
        var servableByFirstDeadline = (long)Math.Floor(options.RateLimitPerMinute / 60 * FleetOptions.ConnectTimeout.TotalSeconds);
        return instances + Math.Min(refused, servableByFirstDeadline);
    }
}
