using Microsoft.Extensions.Internal;

namespace Lakebase.Npgsql.Credentials;

/// <summary>Lets <c>MemoryCache</c> expire entries on the injected <see cref="TimeProvider"/>, not the wall clock.</summary>
internal sealed class TimeProviderSystemClock(TimeProvider timeProvider) : ISystemClock
{
    public DateTimeOffset UtcNow => timeProvider.GetUtcNow();
}
