using System.Text.Json;
using Lakebase.Npgsql.Http;

namespace Lakebase.Npgsql.Workspace;

/// <summary>
/// Waits for a long-running operation of the workspace's Postgres API (<c>GET /api/2.0/postgres/{operation}</c>):
/// polled at growing intervals (250 ms to 5 s), bounded as a whole, cancellable; an operation that ends in an error
/// becomes an exception that says which and why.
/// </summary>
internal sealed class OperationPoller(WorkspaceApi api, TimeProvider time, TimeSpan timeout)
{
    private static readonly TimeSpan FirstInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxInterval = TimeSpan.FromSeconds(5);

    /// <summary>The operation's <c>response</c> once done (a clone the caller owns), or an empty object.</summary>
    public async Task<JsonElement> WaitAsync(JsonElement operation, string what, string target, Action<TimeSpan> progress, CancellationToken cancellationToken)
    {
        var name = JsonFields.Text(operation, "name");
        var started = time.GetTimestamp();
        var interval = FirstInterval;
        while (!(operation.TryGetProperty("done", out var done) && done.ValueKind == JsonValueKind.True))
        {
            if (name is null)
            {
                throw DatabricksApiErrors.InvalidResponse(what, target, api.Workspace, "an unfinished operation without a name to poll");
            }

            var elapsed = time.GetElapsedTime(started);
            if (elapsed >= timeout)
            {
                throw new LakebaseCredentialException(
                    LakebaseCredentialError.Unavailable,
                    $"Could not {what} for {target}: the operation {name} was not done after {timeout.TotalSeconds:0} s. It may still finish; check it in the Lakebase UI, or raise OperationTimeout.");
            }

            progress(elapsed);
            await Task.Delay(interval, time, cancellationToken).ConfigureAwait(false);
            interval = interval * 2 < MaxInterval ? interval * 2 : MaxInterval;
            using var answer = (await api.SendAsync(HttpMethod.Get, "api/2.0/postgres/" + name, null, what, target, cancellationToken).ConfigureAwait(false)).Document;
            operation = answer.RootElement.Clone();
        }

        if (operation.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
        {
            var code = JsonFields.Text(error, "error_code") ?? JsonFields.Text(error, "code") ?? "UNKNOWN";
            var message = Diagnostics.SecretRedaction.ServerText(JsonFields.Text(error, "message")) ?? "no message";
            throw new LakebaseCredentialException(
                LakebaseCredentialError.InvalidRequest,
                $"Could not {what} for {target}: the operation {name} failed ({code}): {message}.",
                errorCode: code);
        }

        return operation.TryGetProperty("response", out var response) ? response.Clone() : default;
    }
}
