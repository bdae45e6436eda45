using System.Net;
using System.Net.Sockets;

namespace Lakebase.Emulator.Endpoints;

/// <summary>
/// Where endpoints listen. Lakebase gives every endpoint its own host name on port 5432; the emulator gives every
/// endpoint its own loopback address on one shared port: the primary endpoint 127.0.0.1, the next ones 127.0.0.2,
/// 127.0.0.3, ... (Linux routes all of 127/8 to loopback). A client tells endpoints apart by host alone, as with
/// Lakebase, so Npgsql, libpq (psql) and Node need nothing special, and multi-host connection strings work.
/// </summary>
internal static class EndpointAddresses
{
    private const int Attempts = 20;

    /// <summary>The address of the endpoint at <paramref name="index"/>: 0 is 127.0.0.1 (the primary endpoint).</summary>
    public static IPAddress ForIndex(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(index, 253);
        return new IPAddress([127, 0, 0, (byte)(index + 1)]);
    }

    /// <summary>
    /// Starts every endpoint's front on one port: <paramref name="requestedPort"/>, or (0) a port free on every address.
    /// </summary>
    public static async Task ListenOnOnePortAsync(IReadOnlyList<EmulatedEndpoint> endpoints, int requestedPort)
    {
        for (var attempt = 1; ; attempt++)
        {
            endpoints[0].Listen(requestedPort);
            var port = endpoints[0].Port;
            try
            {
                foreach (var endpoint in endpoints.Skip(1))
                {
                    endpoint.Listen(port);
                }

                return;
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                foreach (var endpoint in endpoints)
                {
                    await endpoint.StopAsync().ConfigureAwait(false);
                }

                if (requestedPort != 0 || attempt == Attempts)
                {
                    throw new InvalidOperationException(
                        $"PostgreSQL port {port} is taken on one of {string.Join(", ", endpoints.Select(e => e.Host))}: every endpoint listens on its own loopback address with the same port. " +
                        (requestedPort != 0 ? "Choose another PostgresPort (or 0 for a free one)." : "No port was free on all of them; free some ports and try again."),
                        ex);
                }
            }
        }
    }
}
