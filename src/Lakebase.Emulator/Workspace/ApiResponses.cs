using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Lakebase.Emulator.Workspace;

/// <summary>JSON responses in the shapes Databricks uses: <c>{"error_code","message"}</c> for REST, <c>{"error","error_description"}</c> for OAuth.</summary>
internal static class ApiResponses
{
    public static Task JsonAsync(HttpContext context, int statusCode, JsonNode body)
    {
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }

    public static Task ErrorAsync(HttpContext context, int statusCode, string errorCode, string message, TimeSpan? retryAfter = null)
    {
        if (retryAfter is { } delay)
        {
            context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(delay.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }

        return JsonAsync(context, statusCode, new JsonObject { ["error_code"] = errorCode, ["message"] = message });
    }

    public static Task OAuthErrorAsync(HttpContext context, int statusCode, string error, string description) =>
        JsonAsync(context, statusCode, new JsonObject { ["error"] = error, ["error_description"] = description });

    /// <summary>The Databricks error code that goes with an HTTP status.</summary>
    public static string ErrorCodeFor(int statusCode) => statusCode switch
    {
        400 => "INVALID_PARAMETER_VALUE",
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        409 => "RESOURCE_CONFLICT",
        429 => "RESOURCE_EXHAUSTED",
        500 => "INTERNAL_ERROR",
        501 => "NOT_IMPLEMENTED",
        503 => "TEMPORARILY_UNAVAILABLE",
        504 => "DEADLINE_EXCEEDED",
        _ => "UNKNOWN",
    };

    /// <summary>RFC 3339 UTC, whole seconds (rounded down, so a client never believes a token lives longer than it does).</summary>
    public static string Rfc3339(DateTimeOffset instant) =>
        new DateTimeOffset(instant.UtcTicks - (instant.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero)
            .ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
