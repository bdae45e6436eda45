namespace Lakebase.Npgsql.Resilience;

/// <summary>
/// How long to leave a failing workspace call alone: the one backoff formula of the library. Exponential from one
/// second, with full jitter (a uniform draw below the cap, so instances that failed together do not come back
/// together), capped lower for transient errors (the outage may end any moment) than for configuration errors (a
/// 404 or <c>invalid_client</c> will not fix itself). A <c>Retry-After</c> is a floor the jitter is added to, not a
/// deadline every instance meets at once.
/// </summary>
internal static class Backoff
{
    /// <summary>The cap after one failure; doubles with each consecutive failure.</summary>
    public static readonly TimeSpan First = TimeSpan.FromSeconds(1);

    /// <summary>The largest cap after transient failures (rate limiting, 5xx, network).</summary>
    public static readonly TimeSpan MaxTransient = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The cap after a refresh refused for rate limiting (429) while a usable credential is still served (an open's
    /// fetch gets there only after its one in-line retry was refused too): the workspace's limit is
    /// shared by every instance, so a refusal means the fleet as a whole asks faster than the limit serves. Long enough
    /// for a fleet of a thousand starting together to spread its next tries over the minutes the limit needs for them.
    /// </summary>
    public static readonly TimeSpan FirstRateLimited = TimeSpan.FromMinutes(3);

    /// <summary>The largest cap after repeated rate limiting.</summary>
    public static readonly TimeSpan MaxRateLimited = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The cap after a fetch nobody waits on (the host's warm-up, the readiness probe's) was refused for rate limiting.
    /// It made one request and will not retry in line, so its next one can be spread as far as the limit needs:
    /// 1,000 instances starting together against a burst of 100 and 300 a minute get 900 refusals; spread uniformly over
    /// W, they come back at 900 / W, and the rollout minute stays at or below 1.2 requests per instance only when
    /// 900 * 60 s / W &lt;= 200, that is W &gt;= 4.5 minutes. Five minutes leaves a margin, and the limit serves the
    /// 180 a minute that come back (it refills 300). The cost: an instance refused alone stays not-ready for up to
    /// Retry-After plus five minutes (2.5 on average).
    /// </summary>
    public static readonly TimeSpan FirstRateLimitedUnattended = TimeSpan.FromMinutes(5);

    /// <summary>The largest cap after repeated rate limiting of fetches nobody waits on.</summary>
    public static readonly TimeSpan MaxRateLimitedUnattended = TimeSpan.FromMinutes(10);

    /// <summary>The largest cap after any other failure (401, 403, 404, <c>invalid_client</c>, a bad answer).</summary>
    public static readonly TimeSpan MaxPermanent = TimeSpan.FromMinutes(5);

    // A workspace asking for longer than this is honoured only this far: past it, a human looks at the error anyway.
    private static readonly TimeSpan MaxRetryAfter = TimeSpan.FromMinutes(10);

    // Full jitter can draw zero; a window that short would let the next call straight through.
    private static readonly TimeSpan Floor = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// The wait after the <paramref name="failures"/>-th consecutive failure. <paramref name="random"/> null means no
    /// jitter (the cap itself), for repeatable simulations and tests.
    /// </summary>
    public static TimeSpan Delay(int failures, bool transient, TimeSpan? retryAfter, Random? random, TimeSpan? max = null)
    {
        var cap = Cap(failures, max ?? (transient ? MaxTransient : MaxPermanent));
        var jittered = random is null ? cap : cap * random.NextDouble();
        if (jittered < Floor)
        {
            jittered = Floor;
        }

        return RetryAfter(retryAfter) is { } floor ? floor + jittered : jittered;
    }

    /// <summary>
    /// The wait after the <paramref name="failures"/>-th consecutive refusal for rate limiting: <c>Retry-After</c> as a
    /// floor plus a uniform draw below a cap that starts at <see cref="FirstRateLimited"/> and doubles up to
    /// <see cref="MaxRateLimited"/> (<see cref="FirstRateLimitedUnattended"/> up to <see cref="MaxRateLimitedUnattended"/>
    /// when nobody waits on the fetch). <paramref name="random"/> null means no jitter: the <c>Retry-After</c> floor when
    /// there is one, else the cap.
    /// </summary>
    public static TimeSpan RateLimited(int failures, TimeSpan? retryAfter, Random? random, bool unattended = false)
    {
        var (first, max) = unattended ? (FirstRateLimitedUnattended, MaxRateLimitedUnattended) : (FirstRateLimited, MaxRateLimited);
        var exponential = first * Math.Pow(2, Math.Clamp(failures - 1, 0, 20));
        var cap = exponential < max ? exponential : max;
        return Above(RetryAfter(retryAfter), cap, random);
    }

    /// <summary>
    /// <paramref name="floor"/> (a <c>Retry-After</c>, or nothing) plus a uniform draw below <paramref name="spread"/>:
    /// instances refused together come back spread over the spread, none before the floor. Without
    /// <paramref name="random"/>, the floor itself when there is one, else the spread.
    /// </summary>
    public static TimeSpan Above(TimeSpan? floor, TimeSpan spread, Random? random)
    {
        if (random is null)
        {
            return floor ?? (spread < Floor ? Floor : spread);
        }

        var jittered = spread * random.NextDouble();
        return (floor ?? TimeSpan.Zero) + (jittered < Floor ? Floor : jittered);
    }

    /// <summary>The exponential cap: <see cref="First"/> doubled per further failure, at most <paramref name="max"/>.</summary>
    public static TimeSpan Cap(int failures, TimeSpan max)
    {
        var exponential = First * Math.Pow(2, Math.Clamp(failures - 1, 0, 20));
        return exponential < max ? exponential : max;
    }

    /// <summary>A positive <c>Retry-After</c>, bounded; null when none was asked for.</summary>
    public static TimeSpan? RetryAfter(TimeSpan? asked) =>
        asked is { } value && value > TimeSpan.Zero ? (value < MaxRetryAfter ? value : MaxRetryAfter) : null;
}
