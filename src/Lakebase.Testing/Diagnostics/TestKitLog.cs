using Microsoft.Extensions.Logging;

namespace Lakebase.Testing.Diagnostics;

/// <summary>
/// The kit's log events. A branch on a real workspace costs money and time, so what was created, from what, until when
/// and how long it took is logged at Information; nothing here ever carries a credential.
/// </summary>
internal static partial class TestKitLog
{
    /// <summary>The log category.</summary>
    public const string Category = "Lakebase.Testing";

    [LoggerMessage(1, LogLevel.Information, "Test database ready on branch {Branch} (from {ParentBranch}, endpoint {Endpoint}, expires after {TimeToLive} if not deleted) in {Elapsed}")]
    public static partial void BranchDatabaseReady(ILogger logger, string branch, string parentBranch, string endpoint, TimeSpan timeToLive, TimeSpan elapsed);

    [LoggerMessage(2, LogLevel.Information, "Test database ready on the local emulator (endpoint {Endpoint}, no parent branch configured) in {Elapsed}")]
    public static partial void EmulatorDatabaseReady(ILogger logger, string endpoint, TimeSpan elapsed);

    [LoggerMessage(3, LogLevel.Information, "Applied {Count} migration(s) of {Context} in {Elapsed}")]
    public static partial void MigrationsApplied(ILogger logger, int count, string context, TimeSpan elapsed);

    [LoggerMessage(4, LogLevel.Warning, "Could not delete the test branch {Branch}: {Reason} It expires by itself at {ExpireTime}.")]
    public static partial void BranchDeleteFailed(ILogger logger, string branch, string reason, DateTimeOffset? expireTime);

    [LoggerMessage(5, LogLevel.Information, "Test branch {Branch} deleted; the run used it for {Lifetime}")]
    public static partial void BranchReleased(ILogger logger, string branch, TimeSpan lifetime);
}
