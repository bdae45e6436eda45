using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Lakebase.Emulator.Postgres;

/// <summary>The TLS PostgreSQL listener on one endpoint's loopback address that stands in for the Lakebase endpoint host.</summary>
internal sealed class PostgresFront : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly FrontContext _context;
    private readonly ConcurrentDictionary<long, FrontConnection> _connections = new();
    private readonly CancellationTokenSource _stopping = new();
    private Task _acceptLoop = Task.CompletedTask;
    private long _nextId;

    private PostgresFront(TcpListener listener, FrontContext context)
    {
        _listener = listener;
        _context = context;
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public static PostgresFront Start(IPAddress address, int port, FrontContext context)
    {
        var listener = new TcpListener(address, port);
        try
        {
            listener.Start(backlog: 512);
        }
        catch (SocketException)
        {
            listener.Dispose();
            throw;
        }

        var front = new PostgresFront(listener, context);
        front._acceptLoop = front.AcceptLoopAsync();
        return front;
    }

    /// <summary>Closes every connection (handshaking or relaying). Returns how many were relaying.</summary>
    public int DropAll()
    {
        var relaying = 0;
        foreach (var connection in _connections.Values)
        {
            if (connection.IsRelaying)
            {
                relaying++;
            }

            connection.Close();
        }

        return relaying;
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (_stopping.IsCancellationRequested)
                {
                    return;
                }

                continue;
            }

            socket.NoDelay = true;
            _context.Compute.MarkActivity();
            var connection = new FrontConnection(Interlocked.Increment(ref _nextId), socket, _context);
            _connections[connection.Id] = connection;
            _ = ServeAsync(connection);
        }
    }

    private async Task ServeAsync(FrontConnection connection)
    {
        try
        {
            await Task.Yield(); // never run a handshake on the accept loop
            await connection.RunAsync(_stopping.Token).ConfigureAwait(false);
        }
        finally
        {
            _connections.TryRemove(connection.Id, out _);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        DropAll();
        await _acceptLoop.ConfigureAwait(false);
        _stopping.Dispose();
    }
}
