namespace Lakebase.Emulator.Endpoints;

/// <summary>What an endpoint serves: the branch's primary (read-write) or a hot standby of it (read-only).</summary>
internal enum EndpointType
{
    ReadWrite,
    ReadOnly,
}

internal static class EndpointTypeNames
{
    /// <summary>The name the workspace API uses, as in the Databricks SDKs' <c>EndpointType</c>.</summary>
    public static string ApiName(this EndpointType type) => type switch
    {
        EndpointType.ReadOnly => "ENDPOINT_TYPE_READ_ONLY",
        _ => "ENDPOINT_TYPE_READ_WRITE",
    };
}
