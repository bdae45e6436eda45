using Lakebase.Npgsql;

namespace Lakebase.Reliability.Fleet;

/// <summary>
/// An instance using the plugin as a user does: a <see cref="LakebaseDataSource"/> built with the public builder. An open
/// is the password part of a physical open, <see cref="LakebaseDataSource.GetDatabaseCredentialAsync"/>, which waits at
/// most the connect timeout.
/// </summary>
internal sealed class CachedInstance(LakebaseDataSource dataSource, InstanceClock clock) : IFleetInstance
{
    private long _opens;
    private long _failed;

    public long Opens => Interlocked.Read(ref _opens);

    public long FailedOpens => Interlocked.Read(ref _failed);

    // A refresh is marked running the moment it starts (in an open, or in the timer callback the clock runs inside
    // Advance), before its request reaches the API on the thread pool; a running one is settled only while it waits
    // out a Retry-After or backoff on the clock. Only an open waits on a refresh, so open tasks need no count.
    public bool IsSettled => !dataSource.GetCredentialStatus().IsRefreshing || clock.Sleeping > 0;

    public bool IsReady => true;

    public async Task OpenAsync()
    {
        Interlocked.Increment(ref _opens);
        try
        {
            await dataSource.GetDatabaseCredentialAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is LakebaseCredentialException or TimeoutException)
        {
            Interlocked.Increment(ref _failed);
        }
    }

    public Task ProbeAsync() => Task.CompletedTask;

    public ValueTask DisposeAsync() => dataSource.DisposeAsync();
}
