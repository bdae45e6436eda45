using System.Buffers.Binary;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using Lakebase.Emulator.Credentials;

namespace Lakebase.Emulator.Postgres;

/// <summary>
/// One client connection to the front: TLS negotiation, the token login Lakebase does, then a byte relay to a
/// fresh connection on the private server (which answers the rest of the startup itself).
/// </summary>
internal sealed class FrontConnection(
    long id,
    Socket client,
    FrontContext context)
{
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(30);

    private Socket? _backend;
    private int _closed;

    public long Id { get; } = id;

    public bool IsRelaying { get; private set; }

    public async Task RunAsync(CancellationToken stopping)
    {
        Stream? clientStream = null;
        try
        {
            using (var handshake = CancellationTokenSource.CreateLinkedTokenSource(stopping))
            {
                handshake.CancelAfter(HandshakeTimeout);
                clientStream = await HandshakeAsync(handshake.Token).ConfigureAwait(false);
            }

            if (clientStream is not null && _backend is not null)
            {
                await RelayAsync(clientStream, _backend, stopping).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException
                                       or InvalidDataException or System.Security.Authentication.AuthenticationException)
        {
            Log.HandshakeFailed(context.Logger, client.RemoteEndPoint?.ToString() ?? "?", ex);
        }
        finally
        {
            Close();
            if (clientStream is not null)
            {
                try
                {
                    await clientStream.DisposeAsync().ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is IOException or ObjectDisposedException or SocketException)
                {
                }
            }
        }
    }

    /// <summary>Closes both sides at once, as a compute going away does. Safe to call from any thread, more than once.</summary>
    public void Close()
    {
        // Dispose is idempotent; closing again also catches a backend socket opened while a drop raced the login.
        Volatile.Write(ref _closed, 1);
        client.Dispose();
        Volatile.Read(ref _backend)?.Dispose();
    }

    /// <returns>The client stream (TLS) once the login succeeded and the backend got the startup packet; else <see langword="null"/>.</returns>
    private async Task<Stream?> HandshakeAsync(CancellationToken cancellationToken)
    {
        Stream stream = new NetworkStream(client, ownsSocket: false);
        var tls = false;
        var header = new byte[8];
        while (true)
        {
            if (await stream.ReadAtLeastAsync(header, header.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false) < header.Length)
            {
                return null;
            }

            var length = BinaryPrimitives.ReadInt32BigEndian(header);
            var code = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4));
            if (length < 8 || length > ProtocolCodes.MaxStartupPacketLength)
            {
                return null; // not a PostgreSQL client
            }

            var packet = new byte[length];
            header.CopyTo(packet, 0);
            await stream.ReadExactlyAsync(packet.AsMemory(8), cancellationToken).ConfigureAwait(false);

            switch (code)
            {
                case ProtocolCodes.SslRequest when !tls:
                    await stream.WriteAsync("S"u8.ToArray(), cancellationToken).ConfigureAwait(false);
                    var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                    stream = ssl;
                    await ssl.AuthenticateAsServerAsync(
                        new SslServerAuthenticationOptions { ServerCertificateContext = context.Certificate, ClientCertificateRequired = false },
                        cancellationToken).ConfigureAwait(false);
                    tls = true;
                    continue;

                case ProtocolCodes.GssEncRequest when !tls:
                    // No GSSAPI here (nor on Lakebase): the client falls back to SSLRequest or plaintext.
                    await stream.WriteAsync("N"u8.ToArray(), cancellationToken).ConfigureAwait(false);
                    continue;

                case ProtocolCodes.CancelRequest when length == ProtocolCodes.CancelRequestLength:
                    await ForwardCancelAsync(packet, cancellationToken).ConfigureAwait(false);
                    return null;

                case var version when version >> 16 == 3:
                    if (!tls)
                    {
                        context.Counters.LoginRejected();
                        Log.PlaintextRefused(context.Logger);
                        await SendFatalAsync(stream, "28000", "SSL/TLS required: connect with sslmode=require", cancellationToken).ConfigureAwait(false);
                        return null;
                    }

                    return await LoginAsync(stream, packet, cancellationToken).ConfigureAwait(false) ? stream : null;

                default:
                    await SendFatalAsync(stream, "08P01", $"unsupported frontend protocol or request code {code}", cancellationToken).ConfigureAwait(false);
                    return null;
            }
        }
    }

    private async Task<bool> LoginAsync(Stream stream, byte[] startupPacket, CancellationToken cancellationToken)
    {
        var parameters = WireMessages.ParseStartupParameters(startupPacket.AsSpan(8));
        if (parameters is null)
        {
            await SendFatalAsync(stream, "08P01", "invalid startup packet layout: expected terminator as last byte", cancellationToken).ConfigureAwait(false);
            return false;
        }

        if (!parameters.TryGetValue("user", out var user) || user.Length == 0)
        {
            await SendFatalAsync(stream, "28000", "no PostgreSQL user name specified in startup packet", cancellationToken).ConfigureAwait(false);
            return false;
        }

        var database = parameters.GetValueOrDefault("database") is { Length: > 0 } db ? db : user;

        await stream.WriteAsync(WireMessages.CleartextPasswordRequest(), cancellationToken).ConfigureAwait(false);
        var reply = await WireMessages.ReadTypedAsync(stream, ProtocolCodes.MaxStartupPacketLength, cancellationToken).ConfigureAwait(false);
        if (reply is null)
        {
            return false; // the client hung up (e.g. psql asking the user for a password, then reconnecting)
        }

        if (reply.Value.Type != 'p')
        {
            await SendFatalAsync(stream, "08P01", $"expected password response, got message type {(int)reply.Value.Type}", cancellationToken).ConfigureAwait(false);
            return false;
        }

        var body = reply.Value.Body;
        var end = Array.IndexOf(body, (byte)0);
        var password = Encoding.UTF8.GetString(body, 0, end < 0 ? body.Length : end);
        var check = context.Tokens.Check(password, user);
        if (check != LoginCheck.Accepted)
        {
            context.Counters.LoginRejected();
            Log.LoginRefused(context.Logger, user, check.ToString());
            await SendFatalAsync(stream, "28P01", $"password authentication failed for user \"{user}\"", cancellationToken).ConfigureAwait(false);
            return false;
        }

        context.Counters.LoginAccepted();
        Log.LoginAccepted(context.Logger, user, database);

        if (context.Compute.IsSuspended)
        {
            Log.Waking(context.Logger, context.ColdStartDelay.TotalMilliseconds);
        }

        await context.Compute.WakeAsync().WaitAsync(cancellationToken).ConfigureAwait(false);

        try
        {
            _backend = await ConnectBackendAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException ex)
        {
            Log.BackendUnavailable(context.Logger, ex);
            await SendFatalAsync(stream, "57P03", "the database system is not accepting connections", cancellationToken).ConfigureAwait(false);
            return false;
        }

        // The private server answers the same startup itself (AuthenticationOk, ParameterStatus, BackendKeyData,
        // ReadyForQuery, or "role does not exist"), exactly what the client would see from Lakebase.
        await _backend.SendAsync(startupPacket, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        if (Volatile.Read(ref _closed) != 0)
        {
            Close(); // dropped while logging in
            return false;
        }

        return true;
    }

    private async Task<Socket> ConnectBackendAsync(CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(context.BackendSocketPath), cancellationToken).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private async Task ForwardCancelAsync(byte[] packet, CancellationToken cancellationToken)
    {
        using var backend = await ConnectBackendAsync(cancellationToken).ConfigureAwait(false);
        await backend.SendAsync(packet, SocketFlags.None, cancellationToken).ConfigureAwait(false);

        // The server closes the connection once it has handled the request; wait for that (briefly) so the
        // cancel is not lost by closing too early.
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(TimeSpan.FromSeconds(2));
        try
        {
            await backend.ReceiveAsync(new byte[1], SocketFlags.None, wait.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        Log.CancelForwarded(context.Logger);
    }

    private async Task RelayAsync(Stream clientStream, Socket backend, CancellationToken stopping)
    {
        IsRelaying = true;
        context.Counters.SessionOpened();
        try
        {
            await SessionRelay.RunAsync(clientStream, backend, context.Compute, Close, stopping).ConfigureAwait(false);
        }
        finally
        {
            context.Counters.SessionClosed();
            IsRelaying = false;
        }
    }

    private static async Task SendFatalAsync(Stream stream, string sqlState, string message, CancellationToken cancellationToken)
    {
        try
        {
            await stream.WriteAsync(WireMessages.Error("FATAL", sqlState, message), cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException)
        {
        }
    }
}
