using System.Text.Json;
using Lakebase.Npgsql.Http;
using Lakebase.Npgsql.Resilience;

namespace Lakebase.Npgsql.Workspace;

/// <summary>
/// Waits for a long-running operation of the workspace's Postgres API (<c>GET /api/2.0/postgres/{operation}</c>):
/// polled at growing intervals (250 ms to 5 s), bounded as a whole, cancellable; an operation that ends in an error
/// becomes an exception that says which and why. A read the workspace refuses for a while (429, 503, no answer) is
/// read again later, no sooner than its Retry-After: the operation goes on meanwhile, and giving up on it would leave a
/// branch being made that nobody waits for.
/// </summary>
internal sealed class OperationPoller(WorkspaceApi api, TimeProvider time, TimeSpan timeout)
{
    private static readonly TimeSpan FirstInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxInterval = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The operation's <c>response</c> once done (a clone the caller owns), or an empty object. The timeout counts from
    /// <paramref name="startedAt"/> (a <see cref="TimeProvider.GetTimestamp"/>) when the caller's request began the wait.
    /// </summary>
    public async Task<JsonElement> WaitAsync(JsonElement operation, string what, string target, Action<TimeSpan> progress, CancellationToken cancellationToken, long? startedAt = null)
    {
        var name = JsonFields.Text(operation, "name");
        var started = startedAt ?? time.GetTimestamp();
        var interval = FirstInterval;
        var wait = FirstInterval;
        LakebaseCredentialException? refused = null;
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
                    $"Could not {what} for {target}: the operation {name} was not done after {timeout.TotalSeconds:0} s. It may still finish; check it in the Lakebase UI, or raise OperationTimeout." +
                    (refused is null ? string.Empty : $" The last read of it failed: {refused.Message}"),
                    innerException: refused);
            }

            progress(elapsed);
            await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
            interval = Next(interval);
            wait = interval;
            try
            {
                using var answer = (await api.SendAsync(HttpMethod.Get, "api/2.0/postgres/" + name, null, what, target, cancellationToken).ConfigureAwait(false)).Document;
                operation = answer.RootElement.Clone();
                refused = null;
            }
            catch (LakebaseCredentialException e) when (e.IsTransient)
            {
                refused = e;
                wait = After(e, wait);
            }

            // Never past the timeout: the last wait ends at it, and the loop then reports the operation unfinished.
            var left = timeout - time.GetElapsedTime(started);
            wait = wait < left ? wait : left > TimeSpan.Zero ? left : TimeSpan.Zero;
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

    /// <summary>
    /// Sends a request that is safe to repeat (a delete), again after a transient refusal, no sooner than its
    /// Retry-After and within the operation timeout; the last refusal is thrown when that runs out.
    /// </summary>
    public async Task<T> SendRepeatableAsync<T>(Func<CancellationToken, Task<T>> send, long startedAt, CancellationToken cancellationToken)
    {
        var interval = FirstInterval;
        while (true)
        {
            try
            {
                return await send(cancellationToken).ConfigureAwait(false);
            }
            catch (LakebaseCredentialException e) when (e.IsTransient)
            {
                var wait = After(e, interval);
                if (time.GetElapsedTime(startedAt) + wait >= timeout)
                {
                    throw;
                }

                await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
                interval = Next(interval);
            }
        }
    }

    private static TimeSpan Next(TimeSpan interval) => interval * 2 < MaxInterval ? interval * 2 : MaxInterval;

    // The poll interval, or the workspace's Retry-After when it asks for longer (bounded as every Retry-After is).
    private static TimeSpan After(LakebaseCredentialException refusal, TimeSpan interval) =>
        Backoff.RetryAfter(refusal.RetryAfter) is { } retryAfter && retryAfter > interval ? retryAfter : interval;
}
