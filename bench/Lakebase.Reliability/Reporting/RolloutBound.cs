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
    /// <summary>The most credentials the limit can have issued <paramref name="by"/> after the start: its burst plus its rate.</summary>
    public static long IssuedBy(FleetOptions options, TimeSpan by) => options.RateLimitBurst + RateIssuedBy(options, by);

    /// <summary>
    /// The credentials the limit's rate (its burst aside) adds <paramref name="by"/> after the start. Counted in whole
    /// ticks: a rate divided to per-second first loses a credential to rounding at some rates (123 a minute over a
    /// minute would give 122).
    /// </summary>
    public static long RateIssuedBy(FleetOptions options, TimeSpan by) =>
        (long)Math.Floor(options.RateLimitPerMinute * by.Ticks / TimeSpan.TicksPerMinute);

    /// <summary>Failed opens no client strategy can avoid over <paramref name="duration"/>.</summary>
    public static long UnavoidableFailedOpens(int instances, FleetOptions options, TimeSpan duration)
    {
        var failed = Math.Max(0, instances - IssuedBy(options, FleetOptions.ConnectTimeout));
        for (var k = 1; FleetOptions.OpenInterval * k < duration; k++)
        {
            var lastDeadline = (FleetOptions.OpenInterval * (k + 1)) + FleetOptions.ConnectTimeout;
            var round = instances - IssuedBy(options, lastDeadline);
            if (round <= 0)
            {
                break;
            }

            failed += round;
        }

        return failed;
    }

    /// <summary>
    /// The fewest requests in the rollout minute with which instances that each open at zero (no readiness gate) keep
    /// their failed opens at <see cref="UnavoidableFailedOpens"/>. All N ask at zero and the burst serves B of them;
    /// every further credential goes to an instance refused at zero, as its second request. Two needs set how many of
    /// those fall in the rollout minute: the first round's bound takes every credential the limit can issue by the first
    /// deadline (rate times the connect timeout), and the later rounds' bounds take the bucket never overflowing while
    /// instances still lack a credential, so by the end of the minute it must have issued rate times a minute in all.
    /// Both are capped by the number refused. (A fleet whose instances do not all ask at zero, such as one held back
    /// by readiness, is not bound by this.)
    /// </summary>
    public static long FewestRolloutRequestsAtTheBound(int instances, FleetOptions options)
    {
        var servedAtZero = Math.Min(instances, options.RateLimitBurst);
        var refused = instances - servedAtZero;
        var byFirstDeadline = RateIssuedBy(options, FleetOptions.ConnectTimeout);
        var withoutOverflow = RateIssuedBy(options, FleetOptions.OpenInterval) - servedAtZero;
        return instances + Math.Min(refused, Math.Max(byFirstDeadline, withoutOverflow));
    }
}
