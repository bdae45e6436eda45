using System.Buffers;
using System.Net.Sockets;
using Lakebase.Emulator.Compute;

namespace Lakebase.Emulator.Postgres;

/// <summary>
/// The byte relay of a logged-in session: client to private server and back, untouched, each chunk counting as
/// compute activity (scale-to-zero measures idle time from it).
/// </summary>
internal static class SessionRelay
{
    private const int BufferSize = 32 * 1024;

    /// <summary>Relays until either side ends, then calls <paramref name="closeBoth"/> so the other direction stops too.</summary>
    public static async Task RunAsync(Stream client, Socket backend, ComputeState compute, Action closeBoth, CancellationToken stopping)
    {
        await using var backendStream = new NetworkStream(backend, ownsSocket: false);
        var up = PumpAsync(client, backendStream, compute, stopping);
        var down = PumpAsync(backendStream, client, compute, stopping);

        // Either side ending ends the session: close both so the other pump stops too.
        await Task.WhenAny(up, down).ConfigureAwait(false);
        closeBoth();
        await Task.WhenAll(up, down).ConfigureAwait(false);
    }

    private static async Task PumpAsync(Stream source, Stream destination, ComputeState compute, CancellationToken stopping)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            while (true)
            {
                var read = await source.ReadAsync(buffer.AsMemory(), stopping).ConfigureAwait(false);
                if (read == 0)
                {
                    return;
                }

                compute.MarkActivity();
                await destination.WriteAsync(buffer.AsMemory(0, read), stopping).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            // The other side (or a drop/suspend) closed the session.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
