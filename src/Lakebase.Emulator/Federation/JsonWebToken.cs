using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Lakebase.Emulator.Federation;

/// <summary>A compact-serialized JWT split into its parts; nothing is trusted until the signature is checked.</summary>
internal sealed class JsonWebToken
{
    private JsonWebToken(JsonObject header, JsonObject payload, byte[] signingInput, byte[] signature)
    {
        Header = header;
        Payload = payload;
        SigningInput = signingInput;
        Signature = signature;
    }

    public JsonObject Header { get; }

    public JsonObject Payload { get; }

    /// <summary>The ASCII bytes of <c>base64url(header) "." base64url(payload)</c>, which the signature covers.</summary>
    public byte[] SigningInput { get; }

    public byte[] Signature { get; }

    public static JsonWebToken? TryParse(string compact)
    {
        var parts = compact.Split('.');
        if (parts.Length != 3)
        {
            return null;
        }

        try
        {
            if (JsonNode.Parse(Base64Url.DecodeFromChars(parts[0])) is JsonObject header
                && JsonNode.Parse(Base64Url.DecodeFromChars(parts[1])) is JsonObject payload)
            {
                return new JsonWebToken(header, payload, Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}"), Base64Url.DecodeFromChars(parts[2]));
            }
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
        }

        return null;
    }

    public static string Encode(JsonObject header, JsonObject payload, Func<byte[], byte[]> sign)
    {
        var signingInput = $"{Base64Url.EncodeToString(Encoding.UTF8.GetBytes(header.ToJsonString()))}.{Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload.ToJsonString()))}";
        return $"{signingInput}.{Base64Url.EncodeToString(sign(Encoding.ASCII.GetBytes(signingInput)))}";
    }

    public string? StringClaim(string name) =>
        Payload[name] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    /// <summary>A NumericDate claim (seconds since the epoch) as an instant.</summary>
    public DateTimeOffset? TimeClaim(string name) =>
        Payload[name] is JsonValue v && v.GetValueKind() == JsonValueKind.Number
            ? DateTimeOffset.FromUnixTimeSeconds((long)Math.Floor(v.GetValue<double>()))
            : null;

    /// <summary>The <c>aud</c> claim, which RFC 7519 allows as one string or an array of strings.</summary>
    public IReadOnlyList<string> Audiences() => Payload["aud"] switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.String => [v.GetValue<string>()],
        JsonArray a => a.OfType<JsonValue>().Where(x => x.GetValueKind() == JsonValueKind.String).Select(x => x.GetValue<string>()).ToArray(),
        _ => [],
    };
}
