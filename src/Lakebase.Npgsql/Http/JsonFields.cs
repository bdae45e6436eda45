using System.Text.Json;

namespace Lakebase.Npgsql.Http;

/// <summary>
/// Lenient reads of the workspace's JSON answers: a field that is missing, of another kind, or under something that is
/// not an object reads as absent, never as an exception (fields arrive and change shape often).
/// </summary>
internal static class JsonFields
{
    /// <summary>The string field <paramref name="name"/>, or null.</summary>
    public static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>The object field <paramref name="name"/>, or an undefined element (whose fields all read as absent).</summary>
    public static JsonElement Child(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var child) && child.ValueKind == JsonValueKind.Object ? child : default;
}
