using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using Lakebase.Emulator.Postgres;

namespace Lakebase.Emulator.Cluster;

/// <summary>
/// A minimal superuser client for the private server (unix socket, trust auth, simple query protocol): enough
/// to create databases and roles without the emulator depending on a driver.
/// </summary>
internal sealed class SimpleQueryClient : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;

    private SimpleQueryClient(Socket connectedSocket)
    {
        _socket = connectedSocket;
        _stream = new NetworkStream(connectedSocket, ownsSocket: true);
    }

    public static async Task<SimpleQueryClient> ConnectAsync(string socketPath, string user, string database, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var client = new SimpleQueryClient(socket);
        try
        {
            await client._stream.WriteAsync(WireMessages.Startup([new("user", user), new("database", database), new("application_name", "lakebase-emulator")]), cancellationToken).ConfigureAwait(false);
            await client.ReadUntilReadyAsync(null, cancellationToken).ConfigureAwait(false);
            return client;
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Runs SQL (one or more statements) and returns the rows of the last result, as text.</summary>
    public async Task<IReadOnlyList<string?[]>> QueryAsync(string sql, CancellationToken cancellationToken)
    {
        await _stream.WriteAsync(WireMessages.Query(sql), cancellationToken).ConfigureAwait(false);
        var rows = new List<string?[]>();
        await ReadUntilReadyAsync(rows, cancellationToken).ConfigureAwait(false);
        return rows;
    }

    public Task ExecuteAsync(string sql, CancellationToken cancellationToken) => QueryAsync(sql, cancellationToken);

    private async Task ReadUntilReadyAsync(List<string?[]>? rows, CancellationToken cancellationToken)
    {
        PostgresServerException? error = null;
        while (true)
        {
            var message = await WireMessages.ReadTypedAsync(_stream, 64 * 1024 * 1024, cancellationToken).ConfigureAwait(false)
                ?? throw new IOException("The private PostgreSQL server closed the connection.");
            switch (message.Type)
            {
                case 'R' when BinaryPrimitives.ReadInt32BigEndian(message.Body) != 0:
                    throw new InvalidOperationException("The private PostgreSQL server asked for a password; it must trust local connections.");
                case 'E':
                    var fields = WireMessages.ParseErrorFields(message.Body);
                    error ??= new PostgresServerException(fields.GetValueOrDefault('C', "XX000"), fields.GetValueOrDefault('M', "unknown error"));
                    if (fields.GetValueOrDefault('S') is "FATAL" or "PANIC")
                    {
                        throw error;
                    }

                    break;
                case 'T':
                    rows?.Clear(); // a new result set: keep only the last one
                    break;
                case 'D':
                    rows?.Add(ParseDataRow(message.Body));
                    break;
                case 'Z':
                    if (error is not null)
                    {
                        throw error;
                    }

                    return;
            }
        }
    }

    private static string?[] ParseDataRow(byte[] body)
    {
        var count = BinaryPrimitives.ReadInt16BigEndian(body);
        var values = new string?[count];
        var offset = 2;
        for (var i = 0; i < count; i++)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(body.AsSpan(offset));
            offset += 4;
            if (length >= 0)
            {
                values[i] = Encoding.UTF8.GetString(body, offset, length);
                offset += length;
            }
        }

        return values;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_socket.Connected)
            {
                await _stream.WriteAsync(WireMessages.Terminate()).ConfigureAwait(false);
            }
        }
        catch (IOException)
        {
        }
        catch (SocketException)
        {
        }

        await _stream.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>An error the private PostgreSQL server reported.</summary>
internal sealed class PostgresServerException(string sqlState, string message) : Exception($"{sqlState}: {message}")
{
    public string SqlState { get; } = sqlState;
}
