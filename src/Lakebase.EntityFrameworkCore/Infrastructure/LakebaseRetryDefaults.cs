namespace Lakebase.EntityFrameworkCore.Infrastructure;

/// <summary>The defaults of the retrying execution strategy <c>UseLakebase</c> installs.</summary>
public static class LakebaseRetryDefaults
{
    /// <summary>
    /// 6 retries: with the exponential delays up to <see cref="MaxRetryDelay"/> they cover about 30 seconds, longer
    /// than a compute takes to restart or wake from zero.
    /// </summary>
    public const int MaxRetryCount = 6;

    /// <summary>10 seconds: the longest wait between two retries.</summary>
    public static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(10);
}
