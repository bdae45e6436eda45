using System.Buffers.Binary;
using System.Text;

namespace Lakebase.Emulator.Postgres;

/// <summary>Builders and readers for the few PostgreSQL messages the front and the admin client speak themselves.</summary>
internal static class WireMessages
{
    /// <summary>A StartupMessage (protocol 3.0) with the given parameters.</summary>
    public static byte[] Startup(IEnumerable<KeyValuePair<string, string>> parameters)
    {
        var body = new List<byte>();
        foreach (var (key, value) in parameters)
        {
            body.AddRange(Encoding.UTF8.GetBytes(key));
            body.Add(0);
            body.AddRange(Encoding.UTF8.GetBytes(value));
            body.Add(0);
        }

        body.Add(0);
        var packet = new byte[8 + body.Count];
        BinaryPrimitives.WriteInt32BigEndian(packet, packet.Length);
        BinaryPrimitives.WriteInt32BigEndian(packet.AsSpan(4), ProtocolCodes.Protocol3);
        body.CopyTo(packet, 8);
        return packet;
    }

    /// <summary>Parses the key/value pairs after the protocol version of a StartupMessage body.</summary>
    public static Dictionary<string, string>? ParseStartupParameters(ReadOnlySpan<byte> afterVersion)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        while (true)
        {
            var keyEnd = afterVersion.IndexOf((byte)0);
            if (keyEnd < 0)
            {
                return null;
            }

            if (keyEnd == 0)
            {
                return result; // the terminating empty key
            }

            var key = Encoding.UTF8.GetString(afterVersion[..keyEnd]);
            afterVersion = afterVersion[(keyEnd + 1)..];
            var valueEnd = afterVersion.IndexOf((byte)0);
            if (valueEnd < 0)
            {
                return null;
            }

            result[key] = Encoding.UTF8.GetString(afterVersion[..valueEnd]);
            afterVersion = afterVersion[(valueEnd + 1)..];
        }
    }

    /// <summary>An ErrorResponse ('E') with severity, SQLSTATE and message.</summary>
    public static byte[] Error(string severity, string sqlState, string message)
    {
        var body = new List<byte>();
        void Field(char code, string value)
        {
            body.Add((byte)code);
            body.AddRange(Encoding.UTF8.GetBytes(value));
            body.Add(0);
        }

        Field('S', severity);
        Field('V', severity);
        Field('C', sqlState);
        Field('M', message);
        body.Add(0);
        return Typed('E', body.ToArray());
    }

    /// <summary>AuthenticationCleartextPassword.</summary>
    public static byte[] CleartextPasswordRequest()
    {
        var body = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(body, 3);
        return Typed('R', body);
    }

    /// <summary>A simple-protocol Query ('Q').</summary>
    public static byte[] Query(string sql)
    {
        var text = Encoding.UTF8.GetBytes(sql);
        var body = new byte[text.Length + 1];
        text.CopyTo(body, 0);
        return Typed('Q', body);
    }

    public static byte[] Terminate() => Typed('X', []);

    public static byte[] Typed(char type, ReadOnlySpan<byte> body)
    {
        var message = new byte[5 + body.Length];
        message[0] = (byte)type;
        BinaryPrimitives.WriteInt32BigEndian(message.AsSpan(1), body.Length + 4);
        body.CopyTo(message.AsSpan(5));
        return message;
    }

    /// <summary>Reads one typed message (type byte, length, body). Returns <see langword="null"/> at end of stream.</summary>
    public static async Task<(char Type, byte[] Body)?> ReadTypedAsync(Stream stream, int maxLength, CancellationToken cancellationToken)
    {
        var header = new byte[5];
        var read = await stream.ReadAtLeastAsync(header, 5, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (read < 5)
        {
            return null;
        }

        var length = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(1));
        if (length < 4 || length - 4 > maxLength)
        {
            throw new InvalidDataException($"Invalid message length {length} for message type '{(char)header[0]}'.");
        }

        var body = new byte[length - 4];
        await stream.ReadExactlyAsync(body, cancellationToken).ConfigureAwait(false);
        return ((char)header[0], body);
    }

    /// <summary>The fields of an ErrorResponse/NoticeResponse body, by field code.</summary>
    public static Dictionary<char, string> ParseErrorFields(ReadOnlySpan<byte> body)
    {
        var fields = new Dictionary<char, string>();
        while (body.Length > 0 && body[0] != 0)
        {
            var code = (char)body[0];
            var end = body[1..].IndexOf((byte)0);
            if (end < 0)
            {
                break;
            }

            fields[code] = Encoding.UTF8.GetString(body.Slice(1, end));
            body = body[(end + 2)..];
        }

        return fields;
    }
}
