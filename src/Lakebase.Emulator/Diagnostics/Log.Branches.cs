using Microsoft.Extensions.Logging;

namespace Lakebase.Emulator;

/// <summary>Branch lifecycle messages: names, states and timings only.</summary>
internal static partial class Log
{
    [LoggerMessage(40, LogLevel.Debug, "Branch copy started as a primary, on unix socket in {SocketDirectory} ({ElapsedMs} ms)")]
    public static partial void BranchClusterStarted(ILogger logger, string socketDirectory, long elapsedMs);

    [LoggerMessage(41, LogLevel.Information, "Branch {BranchName} created from {SourceBranch} in {ElapsedMs} ms ({SizeBytes} bytes)")]
    public static partial void BranchCreated(ILogger logger, string branchName, string sourceBranch, long elapsedMs, long sizeBytes);

    [LoggerMessage(42, LogLevel.Warning, "Branch {BranchName} could not be created: {Reason}")]
    public static partial void BranchCreationFailed(ILogger logger, string branchName, string reason);

    [LoggerMessage(43, LogLevel.Information, "Branch {BranchName} deleted ({Reason}): {Sessions} session(s) ended, its server stopped and removed")]
    public static partial void BranchDeleted(ILogger logger, string branchName, string reason, int sessions);

    [LoggerMessage(44, LogLevel.Information, "Endpoint {EndpointName} created: listening on {Host}")]
    public static partial void BranchEndpointCreated(ILogger logger, string endpointName, string host);

    [LoggerMessage(45, LogLevel.Information, "Endpoint {EndpointName} deleted: {Sessions} session(s) ended")]
    public static partial void BranchEndpointDeleted(ILogger logger, string endpointName, int sessions);
}
