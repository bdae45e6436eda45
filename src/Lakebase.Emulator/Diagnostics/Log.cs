using Microsoft.Extensions.Logging;

namespace Lakebase.Emulator;

/// <summary>The emulator's log messages. None of them takes a token, password or secret.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Debug, "Initialized a PostgreSQL cluster in {DataDirectory} ({ElapsedMs} ms)")]
    public static partial void ClusterInitialized(ILogger logger, string dataDirectory, long elapsedMs);

    [LoggerMessage(5, LogLevel.Debug, "Copied the cached template cluster into {DataDirectory} ({ElapsedMs} ms)")]
    public static partial void ClusterRestoredFromTemplate(ILogger logger, string dataDirectory, long elapsedMs);

    [LoggerMessage(2, LogLevel.Debug, "Private PostgreSQL {Version} server listening on unix socket in {SocketDirectory} ({ElapsedMs} ms)")]
    public static partial void ClusterStarted(ILogger logger, int version, string socketDirectory, long elapsedMs);

    [LoggerMessage(7, LogLevel.Debug, "Hot standby of the private server streaming, on unix socket in {SocketDirectory} ({ElapsedMs} ms)")]
    public static partial void StandbyStarted(ILogger logger, string socketDirectory, long elapsedMs);

    [LoggerMessage(8, LogLevel.Information, "Endpoint {EndpointName} stopped: connections to {Host} are refused; {Sessions} session(s) dropped")]
    public static partial void EndpointStopped(ILogger logger, string endpointName, string host, int sessions);

    [LoggerMessage(9, LogLevel.Information, "Endpoint {EndpointName} started: listening on {Host}")]
    public static partial void EndpointStarted(ILogger logger, string endpointName, string host);

    [LoggerMessage(24, LogLevel.Information, "Replication lag of {EndpointName} set to {DelayMs} ms")]
    public static partial void ReplicationLagSet(ILogger logger, string endpointName, double delayMs);

    [LoggerMessage(3, LogLevel.Warning, "Stopping the private PostgreSQL server failed")]
    public static partial void ClusterStopFailed(ILogger logger, Exception exception);

    [LoggerMessage(4, LogLevel.Information, "Lakebase emulator ready in {ElapsedMs} ms: workspace {WorkspaceUrl}, PostgreSQL 127.0.0.1:{Port}, endpoint {EndpointName}")]
    public static partial void Ready(ILogger logger, long elapsedMs, Uri workspaceUrl, int port, string endpointName);

    [LoggerMessage(6, LogLevel.Information, "Lakebase emulator stopped.")]
    public static partial void Stopped(ILogger logger);

    [LoggerMessage(10, LogLevel.Debug, "Login accepted for role {Role} to database {Database}")]
    public static partial void LoginAccepted(ILogger logger, string role, string database);

    [LoggerMessage(11, LogLevel.Information, "Login refused for role {Role}: {Reason}")]
    public static partial void LoginRefused(ILogger logger, string role, string reason);

    [LoggerMessage(12, LogLevel.Information, "Refused a plaintext connection: TLS is required")]
    public static partial void PlaintextRefused(ILogger logger);

    [LoggerMessage(13, LogLevel.Debug, "Connection from {Remote} ended during the handshake")]
    public static partial void HandshakeFailed(ILogger logger, string remote, Exception exception);

    [LoggerMessage(14, LogLevel.Debug, "Forwarded a cancel request")]
    public static partial void CancelForwarded(ILogger logger);

    [LoggerMessage(15, LogLevel.Warning, "Could not reach the private PostgreSQL server")]
    public static partial void BackendUnavailable(ILogger logger, Exception exception);

    [LoggerMessage(20, LogLevel.Information, "Compute suspended ({Reason}); {Sessions} session(s) dropped")]
    public static partial void Suspended(ILogger logger, string reason, int sessions);

    [LoggerMessage(21, LogLevel.Information, "Compute waking up (cold start {DelayMs} ms)")]
    public static partial void Waking(ILogger logger, double delayMs);

    [LoggerMessage(22, LogLevel.Information, "Dropped {Sessions} session(s)")]
    public static partial void SessionsDropped(ILogger logger, int sessions);

    [LoggerMessage(23, LogLevel.Information, "All database tokens revoked")]
    public static partial void TokensRevoked(ILogger logger);

    [LoggerMessage(30, LogLevel.Debug, "Issued a workspace token to {ClientId}")]
    public static partial void WorkspaceTokenIssued(ILogger logger, string clientId);

    [LoggerMessage(31, LogLevel.Debug, "Minted a database credential for {ClientId}, expires {ExpiresAt:O}")]
    public static partial void CredentialMinted(ILogger logger, string clientId, DateTimeOffset expiresAt);

    [LoggerMessage(34, LogLevel.Information, "Token exchange refused: {Reason}")]
    public static partial void TokenExchangeRefused(ILogger logger, string reason);

    [LoggerMessage(35, LogLevel.Information, "Credential API rate limit: answered 429 to {Path}")]
    public static partial void RateLimited(ILogger logger, string path);

    [LoggerMessage(32, LogLevel.Information, "Workspace API {Method} {Path} answered {StatusCode} {ErrorCode}")]
    public static partial void ApiError(ILogger logger, string method, string path, int statusCode, string errorCode);

    [LoggerMessage(33, LogLevel.Information, "Injected fault on {Path}: {StatusCode}")]
    public static partial void FaultInjected(ILogger logger, string path, int statusCode);
}
