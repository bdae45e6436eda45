using Lakebase.Npgsql.Credentials;
using Lakebase.Npgsql.Diagnostics;

namespace Lakebase.Npgsql.Connection;

/// <summary>
/// Finds the hosts of the read-routing pool on the first open of a <c>WithTargetSession</c> view (see
/// <see cref="SingleFlightLookup{T}"/>), never while configuring: the endpoint's host unless <c>Host</c>/<c>PGHOST</c>
/// names it, its readable secondaries' <c>read_only_host</c> (the same answer), and each read-only endpoint's host. A
/// lookup that fails fails that view's open, and the next open asks again after a backoff: a misnamed replica is a
/// configuration error to see. The primary's own pool does not wait for any of this (<see cref="PrimaryHostResolver"/>).
/// </summary>
internal sealed class EndpointHostsResolver(LakebaseDataSourceParts parts) : SingleFlightLookup<EndpointHosts>(parts)
{
    protected override string What => Parts.Connection.ReadRouting.IsEnabled ? "look up the endpoint's hosts" : "look up the endpoint's host";

    protected override async Task<EndpointHosts> LookUpCoreAsync(CancellationToken cancellationToken)
    {
        var routing = Parts.Connection.ReadRouting;
        var configured = Parts.Connection.Host;
        var details = configured is null || routing.ReadableSecondaries
            ? await Parts.Client.GetEndpointAsync(Parts.Endpoint, cancellationToken).ConfigureAwait(false)
            : null;
        var primary = configured ?? details!.Host!;
        if (configured is null)
        {
            LakebaseLog.EndpointHostResolved(Parts.Logger, Parts.Endpoint.Name, primary);
        }

        var readOnly = new List<string>(routing.Hosts);
        if (routing.ReadableSecondaries)
        {
            if (details?.ReadOnlyHost is { } secondary)
            {
                readOnly.Add(secondary);
            }
            else
            {
                LakebaseLog.NoReadableSecondaries(Parts.Logger, Parts.Endpoint.Name);
            }
        }

        foreach (var replica in routing.Endpoints)
        {
            var answer = await Parts.Client.GetEndpointAsync(replica, cancellationToken).ConfigureAwait(false);
            if (answer.EndpointType is { } type && type != EndpointDetails.ReadOnlyType)
            {
                LakebaseLog.ReadOnlyEndpointIsReadWrite(Parts.Logger, replica.Name, type);
            }

            readOnly.Add(answer.Host!);
        }

        var hosts = new EndpointHosts(primary, [.. readOnly.Distinct(StringComparer.OrdinalIgnoreCase).Where(h => !string.Equals(h, primary, StringComparison.OrdinalIgnoreCase))]);
        if (routing.IsEnabled)
        {
            LakebaseLog.ReadOnlyHostsResolved(Parts.Logger, Parts.Endpoint.Name, hosts.ReadOnly.Count, string.Join(", ", hosts.ReadOnly));
        }

        return hosts;
    }
}
