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
        // Every probe socket stays bound until all ports are picked, so the two endpoints never get the same port.
        var probes = new List<Socket>();
        try
        {
            foreach (var endpoint in resource.Annotations.OfType<EndpointAnnotation>())
            {
                if (endpoint.Port is null)
                {
                    var probe = BoundLoopbackSocket();
                    probes.Add(probe);
                    var port = ((IPEndPoint)probe.LocalEndPoint!).Port;
                    endpoint.Port = port;
                    endpoint.TargetPort = port;
                }
                else
                {
                    endpoint.TargetPort ??= endpoint.Port;
                }
            }
        }
        finally
        {
            probes.ForEach(p => p.Dispose());
        }
    }

    private static Socket BoundLoopbackSocket()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
