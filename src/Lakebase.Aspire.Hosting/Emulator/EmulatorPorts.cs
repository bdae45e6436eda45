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
    // Ports already handed to an emulator in this AppHost: a second emulator's probe may be given a port the first
    // one's probe just released, before that emulator has bound it.
    private static readonly HashSet<int> Assigned = [];

    public static void AssignFreePorts(LakebaseEmulatorResource resource)
    {
        // Every probe socket stays bound until all ports are picked, so one emulator's endpoints never share a port.
        var probes = new List<Socket>();
        try
        {
            lock (Assigned)
            {
                foreach (var endpoint in resource.Annotations.OfType<EndpointAnnotation>())
                {
                    if (endpoint.Port is null)
                    {
                        var port = UnassignedPort(probes);
                        endpoint.Port = port;
                        endpoint.TargetPort = port;
                    }
                    else
                    {
                        endpoint.TargetPort ??= endpoint.Port;
                    }
                }
            }
        }
        finally
        {
            probes.ForEach(p => p.Dispose());
        }
    }

    // Called under the lock. Probes that drew an assigned port stay bound too, so the next draw differs.
    private static int UnassignedPort(List<Socket> probes)
    {
        while (true)
        {
            var probe = BoundLoopbackSocket();
            probes.Add(probe);
            var port = ((IPEndPoint)probe.LocalEndPoint!).Port;
            if (Assigned.Add(port))
            {
                return port;
            }
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
