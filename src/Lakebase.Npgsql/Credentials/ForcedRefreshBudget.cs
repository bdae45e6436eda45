namespace Lakebase.Npgsql.Credentials;

/// <summary>
/// How many forced refreshes of never-confirmed credentials a data source may still make: a token bucket holding
/// <c>burst</c> tokens, one back every <c>interval</c>, on the cache's clock. Not thread-safe: the cache calls it under its lock.
/// </summary>
/// <remarks>
/// A login rejected with a credential no login has ever succeeded with points at the role or the user name as much as
/// at the token; each failed open forcing another credential would hammer the API. The bucket lets a couple through
/// (a real rotation recovers at once) and then a trickle, however many opens fail.
/// </remarks>
internal sealed class ForcedRefreshBudget(int burst, TimeSpan interval, DateTimeOffset now)
{
    private double _available = burst;
    private DateTimeOffset _updatedAt = now;

    public bool TryTake(DateTimeOffset now)
    {
        if (now > _updatedAt)
        {
            _available = Math.Min(burst, _available + ((now - _updatedAt) / interval));
            _updatedAt = now;
        }

        if (_available < 1)
        {
            return false;
        }

        _available--;
        return true;
    }
}
