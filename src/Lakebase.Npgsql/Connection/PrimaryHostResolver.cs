using Lakebase.Npgsql.Diagnostics;

namespace Lakebase.Npgsql.Connection;

/// <summary>
/// The endpoint's own host (<c>GET /api/2.0/postgres/{endpoint}</c>), looked up on the first open when neither
/// <c>Host</c> nor <c>PGHOST</c> names it (see <see cref="SingleFlightLookup{T}"/>). The primary's pool needs nothing
/// else, so a read replica's lookup failing never keeps a write from connecting.
/// </summary>
internal sealed class PrimaryHostResolver(LakebaseDataSourceParts parts) : SingleFlightLookup<string>(parts)
{
    protected override string What => "look up the endpoint's host";

    protected override async Task<string> LookUpCoreAsync(CancellationToken cancellationToken)
    {
        var host = (await Parts.Client.GetEndpointAsync(Parts.Endpoint, cancellationToken).ConfigureAwait(false)).Host!;
        LakebaseLog.EndpointHostResolved(Parts.Logger, Parts.Endpoint.Name, host);
        return host;
    }
}
