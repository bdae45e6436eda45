using Lakebase.Npgsql.Diagnostics;

namespace Lakebase.Npgsql.Connection;

/// <summary>Looks up the endpoint's host (<c>GET /api/2.0/postgres/{endpoint}</c>) on the first open (see <see cref="SingleFlightLookup"/>).</summary>
internal sealed class EndpointHostResolver(LakebaseDataSourceParts parts) : SingleFlightLookup(parts)
{
    protected override string What => "look up the endpoint's host";

    protected override async Task<string> LookUpCoreAsync(CancellationToken cancellationToken)
    {
        var host = await Parts.Client.GetEndpointHostAsync(cancellationToken).ConfigureAwait(false);
        LakebaseLog.EndpointHostResolved(Parts.Logger, Parts.Endpoint.Name, host);
        return host;
    }
}
