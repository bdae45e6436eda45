using System.Net.Http.Headers;
using System.Text.Json;

namespace Lakebase.Npgsql.Http;

/// <summary>
/// Reads workspace answers with a size cap, so a misbehaving server or proxy (a 50 MB page, an endless stream) costs at
/// most <see cref="MaxBytes"/> of memory. Requests must be sent with <see cref="HttpCompletionOption.ResponseHeadersRead"/>:
/// otherwise HttpClient buffers the whole body before this sees it.
/// </summary>
internal static class ResponseBody
{
    /// <summary>Far more than any answer of the APIs used here (a few hundred bytes).</summary>
    public const int MaxBytes = 1024 * 1024;

    /// <summary>The body, or null when it is longer than <see cref="MaxBytes"/>.</summary>
    public static async Task<byte[]?> ReadAsync(HttpContent content, CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength > MaxBytes)
        {
            return null;
        }

        await using var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    /// <summary>A successful answer's JSON; a clear <see cref="LakebaseCredentialException"/> when it is too large or not JSON.</summary>
    public static async Task<JsonDocument> ReadJsonAsync(HttpResponseMessage response, string operation, string target, string server, CancellationToken cancellationToken)
    {
        var body = await ReadAsync(response.Content, cancellationToken).ConfigureAwait(false)
            ?? throw DatabricksApiErrors.InvalidResponse(operation, target, server, $"the answer is larger than {MaxBytes / 1024} KiB");
        try
        {
            return JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            throw DatabricksApiErrors.InvalidResponse(operation, target, server, IsHtml(response.Content.Headers.ContentType)
                ? "an HTML page, not JSON: a proxy or login page may be answering instead of the workspace API"
                : "not JSON");
        }
    }

    private static bool IsHtml(MediaTypeHeaderValue? type) => type?.MediaType?.Contains("html", StringComparison.OrdinalIgnoreCase) == true;
}
