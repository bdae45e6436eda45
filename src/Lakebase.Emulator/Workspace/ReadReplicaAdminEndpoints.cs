using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Lakebase.Emulator.Workspace;

/// <summary>
/// <c>/emulator/read-replica/*</c>: the read-only endpoint's faults (<see cref="ReadReplicaFaults"/>) for scripts and
/// people. Behind the same local-only guard as every <c>/emulator/*</c> route.
/// </summary>
internal sealed class ReadReplicaAdminEndpoints(LakebaseEmulator emulator)
{
    private const string Prefix = "/emulator/read-replica";

    public void Map(IEndpointRouteBuilder app)
    {
        app.MapGet(Prefix, c => RunAsync(c, _ => Task.CompletedTask));
        app.MapPost(Prefix + "/suspend", c => RunAsync(c, f => { f.Suspend(); return Task.CompletedTask; }));
        app.MapPost(Prefix + "/restart", c => RunAsync(c, f => { f.Restart(); return Task.CompletedTask; }));
        app.MapPost(Prefix + "/drop-sessions", c => RunAsync(c, f => { f.DropAllSessions(); return Task.CompletedTask; }));
        app.MapPost(Prefix + "/stop", c => RunAsync(c, f => f.StopAsync()));
        app.MapPost(Prefix + "/start", c => RunAsync(c, f => f.StartAsync()));
        app.MapPost(Prefix + "/reset", c => RunAsync(c, f => f.ResetAsync(c.RequestAborted)));
        app.MapPost(Prefix + "/lag", SetLagAsync);
    }

    /// <summary>Body: <c>{"lag_ms": 5000}</c>; 0 or null clears it.</summary>
    private async Task SetLagAsync(HttpContext context)
    {
        TimeSpan lag;
        try
        {
            var body = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted).ConfigureAwait(false) as JsonObject
                       ?? throw new JsonException("not an object");
            lag = body["lag_ms"] is { } ms ? TimeSpan.FromMilliseconds(ms.GetValue<double>()) : TimeSpan.Zero;
            if (lag < TimeSpan.Zero)
            {
                throw new FormatException("lag_ms must be 0 or more.");
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException or OverflowException or ArgumentException)
        {
            await ApiResponses.ErrorAsync(context, 400, "INVALID_PARAMETER_VALUE",
                $"Expected a JSON object such as {{\"lag_ms\": 5000}} (0 or null clears the lag): {ex.Message}").ConfigureAwait(false);
            return;
        }

        await RunAsync(context, f => f.SetReplicationLagAsync(lag, context.RequestAborted)).ConfigureAwait(false);
    }

    private async Task RunAsync(HttpContext context, Func<ReadReplicaFaults, Task> action)
    {
        if (!emulator.HasReadReplica)
        {
            await ApiResponses.ErrorAsync(context, 404, "RESOURCE_DOES_NOT_EXIST",
                "This emulator has no read replica: start it with LakebaseEmulatorOptions.ReadReplica = true (CLI: --read-replica).").ConfigureAwait(false);
            return;
        }

        var faults = emulator.Faults.ReadReplica;
        await action(faults).ConfigureAwait(false);
        await ApiResponses.JsonAsync(context, 200, new JsonObject
        {
            ["endpoint_name"] = emulator.ReadOnlyEndpointName,
            ["host"] = emulator.ReadOnlyHost,
            ["port"] = emulator.Port,
            ["stopped"] = faults.IsStopped,
            ["suspended"] = faults.IsSuspended,
            ["lag_ms"] = faults.ReplicationLag.TotalMilliseconds,
        }).ConfigureAwait(false);
    }
}
