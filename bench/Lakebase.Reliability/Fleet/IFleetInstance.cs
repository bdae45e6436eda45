namespace Lakebase.Reliability.Fleet;

/// <summary>One application instance of the fleet.</summary>
internal interface IFleetInstance : IAsyncDisposable
{
    long Opens { get; }

    long FailedOpens { get; }

    /// <summary>Whether nothing of this instance can reach the API until the clock moves (idle, or every wait asleep on the clock).</summary>
    bool IsSettled { get; }

    /// <summary>Whether the load balancer sends it user requests (its last readiness probe said so; always without a probe).</summary>
    bool IsReady { get; }

    /// <summary>A user request that needs a new physical connection.</summary>
    Task OpenAsync();

    /// <summary>The load balancer's readiness probe; nothing for instances without one.</summary>
    Task ProbeAsync();
}
