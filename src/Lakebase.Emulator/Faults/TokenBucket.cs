namespace Lakebase.Emulator;

/// <summary>
/// A token bucket on the emulator's clock: <c>burst</c> requests at once, refilled at <c>ratePerMinute</c>.
/// Not thread-safe: <see cref="EmulatorFaults"/> calls it under its lock.
/// </summary>
internal sealed class TokenBucket(double ratePerMinute, int burst, DateTimeOffset now)
{
    private double _tokens = burst;
    private DateTimeOffset _refilledAt = now;

    public double RatePerMinute => ratePerMinute;

    public int Burst => burst;

    /// <returns><see langword="null"/> when the request may pass; otherwise how long until one token is back.</returns>
    public TimeSpan? TryTake(DateTimeOffset now)
    {
        if (now > _refilledAt)
        {
            _tokens = Math.Min(burst, _tokens + ((now - _refilledAt).TotalMinutes * ratePerMinute));
            _refilledAt = now;
        }

        if (_tokens >= 1)
        {
            _tokens -= 1;
            return null;
        }

        // Rounded to the millisecond so float noise (5.9999999 s or 6.0000001 s) does not move the whole-second Retry-After.
        return TimeSpan.FromMilliseconds(Math.Round((1 - _tokens) / ratePerMinute * 60_000));
    }
}
