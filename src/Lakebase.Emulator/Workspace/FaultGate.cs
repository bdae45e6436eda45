using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Lakebase.Emulator.Workspace;

/// <summary>Applies the injected latency and failures to an OIDC or credential request, and the credential rate limit.</summary>
internal sealed class FaultGate(EmulatorFaults faults, EmulatorCounters counters, ILogger logger)
{
    /// <summary>The faults of <see cref="PassAsync"/>, then the credential API's rate limit.</summary>
    public async Task<bool> PassCredentialRequestAsync(HttpContext context)
    {
        if (!await PassAsync(context, oauthShape: false).ConfigureAwait(false))
        {
            return false;
        }

        if (faults.TakeCredentialRequest() is not { } retryAfter)
        {
            return true;
        }

        counters.TooManyRequestsServed();
        Log.RateLimited(logger, context.Request.Path);
        await ApiResponses.ErrorAsync(context, 429, "REQUEST_LIMIT_EXCEEDED",
            "The credential API rate limit was exceeded (emulated). Retry after the delay in the Retry-After header.", retryAfter).ConfigureAwait(false);
        return false;
    }

    /// <returns><see langword="true"/> when the request may proceed; otherwise the failure has been written.</returns>
    public async Task<bool> PassAsync(HttpContext context, bool oauthShape)
    {
        var latency = faults.ApiLatency;
        if (latency > TimeSpan.Zero)
        {
            await Task.Delay(latency, context.RequestAborted).ConfigureAwait(false);
        }

        if (faults.NextFailure() is not { } failure)
        {
            return true;
        }

        Log.FaultInjected(logger, context.Request.Path, failure.StatusCode);
        if (failure.StatusCode == 429)
        {
            counters.TooManyRequestsServed();
        }

        var code = ApiResponses.ErrorCodeFor(failure.StatusCode);
        var message = failure.Outage
            ? "The service is temporarily unavailable (emulated outage). Please retry later."
            : $"Injected failure ({failure.StatusCode} {code}).";
        if (oauthShape)
        {
            // OAuth clients read "error"; Databricks SDK clients read "error_code": answer both.
            if (failure.RetryAfter is { } delay)
            {
                context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(delay.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            await ApiResponses.JsonAsync(context, failure.StatusCode, new System.Text.Json.Nodes.JsonObject
            {
                ["error_code"] = code,
                ["message"] = message,
                ["error"] = code.ToLowerInvariant(),
                ["error_description"] = message,
            }).ConfigureAwait(false);
        }
        else
        {
            await ApiResponses.ErrorAsync(context, failure.StatusCode, code, message, failure.RetryAfter).ConfigureAwait(false);
        }

        return false;
    }
}
