namespace Lakebase.Npgsql;

/// <summary>How a data source keeps its database credential fresh.</summary>
public enum LakebaseRefreshMode
{
    /// <summary>
    /// The default: a timer refreshes the credential at a jittered 50-80 % of its lifetime, so connection opens never
    /// wait on the workspace API. The timer pauses while the data source opens no connections.
    /// </summary>
    Background,

    /// <summary>
    /// No timer: the first connection open past the refresh point starts the refresh (still ahead of expiry, without
    /// waiting for it), and an open that finds no usable credential fetches one. For hosts that throttle CPU between
    /// requests (scale-to-zero containers, serverless), where a background timer fires late or not at all.
    /// </summary>
    Lazy,
}
