using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Lakebase.Emulator.Workspace;

/// <summary>What the branch and endpoint routes share: reading the body and ids, and answering errors in Databricks' shape.</summary>
internal static partial class ResourceRequests
{
    public const string IdRule = "1-63 lowercase letters, digits and hyphens, starting with a letter";

    /// <summary>
    /// The resource in the body: the SDKs send it bare (<c>{"spec": …}</c>, the request's <c>branch</c>/<c>endpoint</c>
    /// field is the body); a body wrapped as <c>{"branch": {…}}</c> is accepted too. An empty body is an empty resource.
    /// </summary>
    public static async Task<JsonObject?> ReadResourceAsync(HttpContext context, string wrapper)
    {
        using var reader = new StreamReader(context.Request.Body);
        var text = await reader.ReadToEndAsync(context.RequestAborted).ConfigureAwait(false);
        if (string.IsNullOrWhiteSpace(text))
        {
            return [];
        }

        try
        {
            if (JsonNode.Parse(text) is not JsonObject body)
            {
                return null;
            }

            return body[wrapper] is JsonObject wrapped && !body.ContainsKey("spec") ? wrapped : body;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The id a create call names in its query (<c>branch_id</c>, <c>endpoint_id</c>), or an error message.</summary>
    public static string? Id(HttpContext context, string parameter, string example, out string? error)
    {
        var id = context.Request.Query[parameter].ToString();
        error = id.Length == 0
            ? $"Query parameter '{parameter}' is required: the new resource's id, e.g. ?{parameter}={example} ({IdRule})."
            : !IdPattern().IsMatch(id)
                ? $"Invalid {parameter} '{id}': expected {IdRule}, e.g. '{example}'."
                : null;
        return error is null ? id : null;
    }

    public static string? SpecString(JsonObject spec, string field) =>
        spec[field] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    public static Task FailAsync(HttpContext context, ILogger logger, int status, string code, string message)
    {
        Log.ApiError(logger, context.Request.Method, context.Request.Path, status, code);
        return ApiResponses.ErrorAsync(context, status, code, message);
    }

    [GeneratedRegex("^[a-z][a-z0-9-]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();
}
