using System.Net;
using System.Net.Sockets;
using Aspire.Hosting.ApplicationModel;

namespace Lakebase.Aspire.Hosting.Emulator;

/// <summary>
/// The emulator's endpoints are not proxied: its OAuth discovery names its own port, and a client sends its secret
/// only to that exact authority, so the port apps use must be the port it listens on. Aspire allocates no port for
/// an unproxied endpoint, so free ones are picked here, when the app starts (never while the model is configured).
/// </summary>
internal static class EmulatorPorts
{
    public static void AssignFreePorts(LakebaseEmulatorResource resource)
    {
        foreach (var endpoint in resource.Annotations.OfType<EndpointAnnotation>())
        {
            if (endpoint.Port is null)
            {
                var port = FreeLoopbackPort();
                endpoint.Port = port;
                endpoint.TargetPort = port;
            }
            else
            {
                endpoint.TargetPort ??= endpoint.Port;
            }
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)listener.LocalEndPoint!).Port;
    }
}
