namespace Lakebase.Emulator.Postgres;

/// <summary>The request codes of the PostgreSQL wire protocol's untyped first packet.</summary>
internal static class ProtocolCodes
{
    public const int SslRequest = 80877103;
    public const int GssEncRequest = 80877104;
    public const int CancelRequest = 80877102;
    public const int Protocol3 = 3 << 16;

    /// <summary>Startup packets are small; anything bigger is not a PostgreSQL client.</summary>
    public const int MaxStartupPacketLength = 10_000;

    public const int CancelRequestLength = 16;
}
