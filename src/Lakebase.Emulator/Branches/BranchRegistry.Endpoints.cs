using System.Net;
using System.Net.Sockets;
using Lakebase.Emulator.Endpoints;

namespace Lakebase.Emulator.Branches;

/// <summary>
/// A branch's read-write endpoint: a TLS front like the emulator's own, on a loopback address of its own
/// (127.0.0.N, the next one not used in this run) and the same port, relaying to the branch's private server.
/// </summary>
internal sealed partial class BranchRegistry
{
    private const int LastAddressIndex = 253;
    private int _nextAddressIndex = -1;

    public enum EndpointRefusal
    {
        None,
        NameTaken,
        HasReadWriteEndpoint,
    }

    /// <summary>
    /// Starts creating the read-write endpoint <paramref name="endpointId"/> of <paramref name="branch"/>; it is created
    /// once the branch is ready. <see langword="null"/> with the reason when the id is taken or the branch has one already.
    /// </summary>
    public LongRunningOperation? CreateEndpoint(BranchRecord branch, string endpointId, out EndpointRefusal refusal, out string? existing)
    {
        var name = $"{branch.Name}/endpoints/{endpointId}";
        lock (_gate)
        {
            existing = branch.Endpoints.FirstOrDefault(e => e.Type == EndpointType.ReadWrite)?.Name;
            refusal = branch.EndpointIds.Contains(endpointId) ? EndpointRefusal.NameTaken
                : existing is not null || branch.EndpointIds.Count > 0 ? EndpointRefusal.HasReadWriteEndpoint
                : EndpointRefusal.None;
            if (refusal != EndpointRefusal.None)
            {
                existing ??= branch.EndpointIds.Select(id => $"{branch.Name}/endpoints/{id}").FirstOrDefault();
                return null;
            }

            branch.EndpointIds.Add(endpointId);
        }

        var operation = Operations.Start(name);
        Track(StartEndpointAsync(branch, name, operation));
        return operation;
    }

    private async Task StartEndpointAsync(BranchRecord branch, string name, LongRunningOperation operation)
    {
        await Task.Yield();
        bool ready;
        try
        {
            ready = await branch.Ready.WaitAsync(_disposing.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            ready = false;
        }

        if (!ready)
        {
            operation.Fail("ABORTED", $"Branch '{branch.Name}' was deleted or could not be created, so endpoint '{name}' was not created.");
            return;
        }

        EmulatedEndpoint endpoint;
        try
        {
            endpoint = Listen(name, branch.SocketDirectory!);
        }
        catch (InvalidOperationException ex)
        {
            operation.Fail("RESOURCE_EXHAUSTED", ex.Message);
            return;
        }

        bool added;
        lock (_gate)
        {
            added = _branches.Contains(branch);
            if (added)
            {
                branch.Endpoints.Add(endpoint);
            }
        }

        if (!added)
        {
            await endpoint.DisposeAsync().ConfigureAwait(false);
            operation.Fail("ABORTED", $"Branch '{branch.Name}' was deleted while endpoint '{name}' was created.");
            return;
        }

        endpoint.Control.Start(servers.SuspendAfter);
        Log.BranchEndpointCreated(_logger, name, endpoint.Host);
        operation.Succeed(Workspace.EndpointResources.Describe(emulator, endpoint));
    }
    /// <summary>A new endpoint on the next free loopback address, on the emulator's port.</summary>
    private EmulatedEndpoint Listen(string name, string socketDirectory)
    {
        var socketPath = Path.Combine(socketDirectory, ".s.PGSQL.5432");
        for (var attempt = 0; attempt < LastAddressIndex; attempt++)
        {
            var endpoint = servers.CreateEndpoint(emulator, name, EndpointType.ReadWrite, NextAddress(), socketPath);
            try
            {
                endpoint.Listen(emulator.Port);
                return endpoint;
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AddressNotAvailable)
            {
                // Something else holds this address's port: the next address.
                _ = endpoint.DisposeAsync().AsTask();
            }
        }

        throw new InvalidOperationException($"No loopback address 127.0.0.2-127.0.0.254 has port {emulator.Port} free for endpoint '{name}': delete some branch endpoints.");
    }

    /// <summary>The next address not in use: new ones first, so a deleted endpoint's address is not reused while clients may still know it.</summary>
    private IPAddress NextAddress()
    {
        lock (_gate)
        {
            var used = _branches.SelectMany(b => b.Endpoints).Select(e => e.Address).ToHashSet();
            for (var i = 0; i < LastAddressIndex; i++)
            {
                _nextAddressIndex = _nextAddressIndex < 0 || _nextAddressIndex >= LastAddressIndex ? servers.Endpoints.Count : _nextAddressIndex + 1;
                var address = EndpointAddresses.ForIndex(_nextAddressIndex);
                if (!used.Contains(address))
                {
                    return address;
                }
            }
        }

        throw new InvalidOperationException("Every loopback address 127.0.0.2-127.0.0.254 has an endpoint: delete some branch endpoints.");
    }

    /// <summary>Deletes a branch's endpoint: gone from the API at once, then its sessions end. <see langword="null"/> when it is not a branch endpoint.</summary>
    public LongRunningOperation? DeleteEndpoint(EmulatedEndpoint endpoint)
    {
        lock (_gate)
        {
            var branch = _branches.FirstOrDefault(b => !b.IsDefault && b.Endpoints.Contains(endpoint));
            if (branch is null)
            {
                return null;
            }

            branch.Endpoints.Remove(endpoint);
            branch.EndpointIds.Remove(IdOf(endpoint.Name));
        }

        var operation = Operations.Start(endpoint.Name);
        Track(StopEndpointAsync(endpoint, operation));
        return operation;
    }

    private async Task StopEndpointAsync(EmulatedEndpoint endpoint, LongRunningOperation operation)
    {
        await Task.Yield();
        var sessions = endpoint.DropAllSessions();
        await endpoint.StopAsync().ConfigureAwait(false);
        await endpoint.DisposeAsync().ConfigureAwait(false);
        Log.BranchEndpointDeleted(_logger, endpoint.Name, sessions);
        operation.Succeed(new System.Text.Json.Nodes.JsonObject());
    }
}
