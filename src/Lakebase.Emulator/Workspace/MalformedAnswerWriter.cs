using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Lakebase.Emulator.Workspace;

/// <summary>The field names of a token answer: <c>token</c>/<c>expire_time</c>, <c>token</c>/<c>expiration_time</c> or <c>access_token</c>/<c>expires_in</c>.</summary>
internal sealed record TokenAnswerShape(string TokenField, string ExpiryField)
{
    public static readonly TokenAnswerShape Autoscaling = new("token", "expire_time");
    public static readonly TokenAnswerShape Provisioned = new("token", "expiration_time");
    public static readonly TokenAnswerShape OAuth = new("access_token", "expires_in");
}

/// <summary>Writes the answer of a <see cref="MalformedAnswer"/> fault in place of a good token answer.</summary>
internal static class MalformedAnswerWriter
{
    /// <summary>The lifetime of a <see cref="MalformedAnswer.FarFutureExpiry"/> token.</summary>
    public static readonly TimeSpan FarFutureLifetime = TimeSpan.FromDays(100);

    /// <summary>The size of a <see cref="MalformedAnswer.HugeBody"/> body.</summary>
    public const long HugeBodyBytes = 50L * 1024 * 1024;

    private const int ChunkBytes = 64 * 1024;

    // What nginx (a typical proxy in front of an API) sends when its upstream is down.
    private const string BadGatewayPage =
        "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

    /// <param name="context">The request being answered.</param>
    /// <param name="answer">The kind of broken answer.</param>
    /// <param name="shape">The field names of the good answer.</param>
    /// <param name="issue">Issues a real token and returns the good answer; given a lifetime to use instead of the normal one.
    /// Called only for the answers that carry a token.</param>
    public static Task WriteAsync(HttpContext context, MalformedAnswer answer, TokenAnswerShape shape, Func<TimeSpan?, JsonObject> issue)
    {
        switch (answer)
        {
            case MalformedAnswer.InvalidJson:
                return WriteRawAsync(context, 200, "application/json", $"{{\"{shape.TokenField}\": \"truncated\", \"{shape.ExpiryField}\": ");

            case MalformedAnswer.MissingToken:
                var withoutToken = issue(null);
                withoutToken.Remove(shape.TokenField);
                return ApiResponses.JsonAsync(context, 200, withoutToken);

            case MalformedAnswer.MissingExpiry:
                var withoutExpiry = issue(null);
                withoutExpiry.Remove(shape.ExpiryField);
                return ApiResponses.JsonAsync(context, 200, withoutExpiry);

            case MalformedAnswer.HtmlBadGateway:
                return WriteRawAsync(context, 502, "text/html", BadGatewayPage);

            case MalformedAnswer.GarbageDateHeader:
                // Set before the response starts, so the emulator's own Date (set only when absent) does not replace it.
                context.Response.Headers.Date = "not a date, honestly";
                return ApiResponses.JsonAsync(context, 200, issue(null));

            case MalformedAnswer.FarFutureExpiry:
                return ApiResponses.JsonAsync(context, 200, issue(FarFutureLifetime));

            case MalformedAnswer.HugeBody:
                return WriteHugeBodyAsync(context, shape);

            default:
                throw new ArgumentOutOfRangeException(nameof(answer), answer, null);
        }
    }

    private static Task WriteRawAsync(HttpContext context, int statusCode, string contentType, string body)
    {
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = contentType;
        return context.Response.WriteAsync(body, context.RequestAborted);
    }

    // Streamed one reused chunk at a time: 50 MB on the wire, 64 KB in memory.
    private static async Task WriteHugeBodyAsync(HttpContext context, TokenAnswerShape shape)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        var head = Encoding.UTF8.GetBytes($"{{\"{shape.TokenField}\": \"");
        var tail = Encoding.UTF8.GetBytes($"\", \"{shape.ExpiryField}\": null}}");
        var filler = new byte[ChunkBytes];
        Array.Fill(filler, (byte)'A');
        var body = context.Response.Body;
        var ct = context.RequestAborted;
        await body.WriteAsync(head, ct).ConfigureAwait(false);
        for (var left = HugeBodyBytes - head.Length - tail.Length; left > 0; left -= ChunkBytes)
        {
            await body.WriteAsync(filler.AsMemory(0, (int)Math.Min(left, ChunkBytes)), ct).ConfigureAwait(false);
        }

        await body.WriteAsync(tail, ct).ConfigureAwait(false);
    }
}
