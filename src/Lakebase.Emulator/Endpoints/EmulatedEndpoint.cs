using System.Net;
using Lakebase.Emulator.Compute;
using Lakebase.Emulator.Postgres;
using Microsoft.Extensions.Logging;

namespace Lakebase.Emulator.Endpoints;

/// <summary>
/// One Lakebase endpoint (a compute) of the emulator: its name, its type, its own loopback address (the emulator's
/// stand-in for the endpoint's host name), the TLS front listening there on the emulator's one PostgreSQL port, the
/// private server its sessions are relayed to, and its compute state (suspension, cold start, scale to zero).
/// Endpoints are told apart by address, as Lakebase tells them apart by host name; the port is the same for all.
/// </summary>
internal sealed class EmulatedEndpoint : IAsyncDisposable
{
    private readonly FrontContext _context;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _listening = new(1, 1);
    private PostgresFront? _front;
    private int _port;

    /// <param name="name">The endpoint name, <c>projects/{p}/branches/{b}/endpoints/{e}</c>.</param>
    /// <param name="type">Read-write (on a branch's primary) or read-only (a hot standby).</param>
    /// <param name="address">The loopback address the endpoint's front listens on.</param>
    /// <param name="context">Its front's settings: certificate for <paramref name="address"/>, private server socket and its own compute state.</param>
    /// <param name="logger">Where compute changes are logged.</param>
    public EmulatedEndpoint(string name, EndpointType type, IPAddress address, FrontContext context, ILogger logger)
    {
        Name = name;
        Type = type;
        Address = address;
        _context = context;
        _logger = logger;
        Control = new ComputeControl(context.Compute, DropAllSessions, logger);
    }

    public string Name { get; }

    public EndpointType Type { get; }

    public IPAddress Address { get; }

    /// <summary>The host clients connect to: the address in text, e.g. <c>127.0.0.2</c>.</summary>
    public string Host => Address.ToString();

    /// <summary>The port of its front; 0 before <see cref="Listen"/>.</summary>
    public int Port => Volatile.Read(ref _port);

    public ComputeState Compute => _context.Compute;

    public ComputeControl Control { get; }

    /// <summary>Whether the endpoint is stopped: nothing listens on its address, so connections are refused.</summary>
    public bool IsStopped => Volatile.Read(ref _front) is null;

    /// <summary>Starts the front on <paramref name="port"/> (0: a free one). Throws <see cref="System.Net.Sockets.SocketException"/> when taken.</summary>
    public void Listen(int port)
    {
        var front = PostgresFront.Start(Address, port, _context);
        Volatile.Write(ref _port, front.Port);
        Volatile.Write(ref _front, front);
    }

    /// <summary>Stops listening (new connections are refused) and drops every session, as a compute that is down.</summary>
    public async Task StopAsync()
    {
        await _listening.WaitAsync().ConfigureAwait(false);
        try
        {
            if (Interlocked.Exchange(ref _front, null) is { } front)
            {
                var sessions = front.DropAll();
                await front.DisposeAsync().ConfigureAwait(false);
                Log.EndpointStopped(_logger, Name, Host, sessions);
            }
        }
        finally
        {
            _listening.Release();
        }
    }

    /// <summary>Listens again on the same address and port after <see cref="StopAsync"/>.</summary>
    public async Task StartAsync()
    {
        await _listening.WaitAsync().ConfigureAwait(false);
        try
        {
            if (Volatile.Read(ref _front) is null)
            {
                Listen(Port);
                Log.EndpointStarted(_logger, Name, Host);
            }
        }
        finally
        {
            _listening.Release();
        }
    }

    /// <summary>Closes every session of this endpoint. Returns how many were relaying.</summary>
    public int DropAllSessions() => Volatile.Read(ref _front)?.DropAll() ?? 0;

    public async ValueTask DisposeAsync()
    {
        await Control.DisposeAsync().ConfigureAwait(false);
        if (Interlocked.Exchange(ref _front, null) is { } front)
        {
            await front.DisposeAsync().ConfigureAwait(false);
        }

        _listening.Dispose();
    }
}
