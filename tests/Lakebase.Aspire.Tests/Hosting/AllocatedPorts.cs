using Aspire.Hosting.ApplicationModel;

namespace Lakebase.Aspire.Tests.Hosting;

/// <summary>Gives an emulator resource's endpoints the ports a run would have allocated, so nothing has to start.</summary>
internal static class AllocatedPorts
{
    public static void Allocate(LakebaseEmulatorResource resource, int workspacePort, int postgresPort)
    {
        foreach (var endpoint in resource.Annotations.OfType<EndpointAnnotation>())
        {
            var port = endpoint.Name == LakebaseEmulatorResource.WorkspaceEndpointName ? workspacePort : postgresPort;
            endpoint.Port = endpoint.TargetPort = port;
            endpoint.AllocatedEndpoint = new AllocatedEndpoint(endpoint, "localhost", port);
        }
    }
}
