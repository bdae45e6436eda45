namespace Lakebase.Npgsql.Credentials;

/// <summary>What the workspace reports of an endpoint: its host, its readable secondaries' host, its type and state.</summary>
/// <param name="Host">The endpoint's host (<c>status.hosts.host</c>).</param>
/// <param name="ReadOnlyHost">The readable secondaries' host (<c>status.hosts.read_only_host</c>), when enabled.</param>
/// <param name="EndpointType"><c>ENDPOINT_TYPE_READ_WRITE</c> or <c>ENDPOINT_TYPE_READ_ONLY</c>, when reported.</param>
/// <param name="CurrentState"><c>ACTIVE</c>, <c>IDLE</c>, <c>INIT</c>, <c>DEGRADED</c>, when reported.</param>
internal sealed record EndpointDetails(string? Host, string? ReadOnlyHost, string? EndpointType, string? CurrentState)
{
    public const string ReadOnlyType = "ENDPOINT_TYPE_READ_ONLY";

    public const string ReadWriteType = "ENDPOINT_TYPE_READ_WRITE";
}
