using Microsoft.Extensions.Logging;

namespace Lakebase.Npgsql.Diagnostics;

/// <summary>
/// Every log message this library writes, source-generated. Arguments are endpoint names, times, counts and
/// error classifications: never a secret or a token.
/// </summary>
internal static partial class LakebaseLog
{
    /// <summary>The logger category every component logs under, so one filter line controls all of it.</summary>
    public const string Category = "Lakebase";

    [LoggerMessage(1, LogLevel.Debug, "Generated a database credential for {Target} ({Trigger}); it expires at {ExpiresAt:O}, next refresh at {RefreshAt:O}.", EventName = "CredentialRefreshed")]
    public static partial void CredentialRefreshed(ILogger logger, string target, string trigger, DateTimeOffset expiresAt, DateTimeOffset refreshAt);

    [LoggerMessage(2, LogLevel.Warning, "Could not refresh the database credential for {Target} ({Reason}); the cached credential stays in use until {UsableUntil:O}. Retrying in {RetryIn}.", EventName = "CredentialRefreshFailedServingCached")]
    public static partial void CredentialRefreshFailedServingCached(ILogger logger, string target, LakebaseCredentialError reason, DateTimeOffset usableUntil, TimeSpan retryIn, Exception exception);

    [LoggerMessage(3, LogLevel.Error, "Could not obtain a database credential for {Target} ({Reason}) and no valid cached credential exists. Retrying in {RetryIn}.", EventName = "CredentialRefreshFailed")]
    public static partial void CredentialRefreshFailed(ILogger logger, string target, LakebaseCredentialError reason, TimeSpan retryIn, Exception exception);

    [LoggerMessage(4, LogLevel.Warning, "Lakebase refused the login for user {User} (SQLSTATE {SqlState}); forcing a credential refresh and retrying the open once.", EventName = "AuthenticationFailedRetrying")]
    public static partial void AuthenticationFailedRetrying(ILogger logger, string user, string? sqlState);

    [LoggerMessage(5, LogLevel.Error, "Lakebase refused the login for user {User} again with a fresh credential (SQLSTATE {SqlState}).", EventName = "AuthenticationFailedAfterRefresh")]
    public static partial void AuthenticationFailedAfterRefresh(ILogger logger, string user, string? sqlState);

    [LoggerMessage(6, LogLevel.Debug, "Credential request for {Target} failed transiently ({Reason}); attempt {Attempt} of {MaxAttempts}, waiting {Delay}.", EventName = "CredentialRequestRetrying")]
    public static partial void CredentialRequestRetrying(ILogger logger, string target, LakebaseCredentialError reason, int attempt, int maxAttempts, TimeSpan delay);

    [LoggerMessage(7, LogLevel.Debug, "Obtained a workspace OAuth token from {TokenEndpoint}; it expires at {ExpiresAt:O}.", EventName = "WorkspaceTokenIssued")]
    public static partial void WorkspaceTokenIssued(ILogger logger, string tokenEndpoint, DateTimeOffset expiresAt);

    [LoggerMessage(8, LogLevel.Information, "Resolved the host of Lakebase endpoint {Target}: {Host}.", EventName = "EndpointHostResolved")]
    public static partial void EndpointHostResolved(ILogger logger, string target, string host);

    [LoggerMessage(9, LogLevel.Debug, "Created a Lakebase data source for {Target} as {User} at {Host}:{Port}/{Database}.", EventName = "DataSourceCreated")]
    public static partial void DataSourceCreated(ILogger logger, string target, string user, string host, int port, string database);

    [LoggerMessage(11, LogLevel.Warning, "TLS certificate verification is off for {Target} (SslMode Require set in code): the database token goes to whatever server answers at {Host}. Use VerifyFull, the default, with RootCertificate(...) for a private CA.", EventName = "TlsVerificationDisabled")]
    public static partial void TlsVerificationDisabled(ILogger logger, string target, string host);

    [LoggerMessage(31, LogLevel.Warning, "Read routing for {Target}: the endpoint reports no read_only_host, so reads go to the primary. Enable readable secondaries on its compute (the compute group's enable_readable_secondaries), or name read replicas with ReadOnlyEndpoints; the hosts are looked up once per data source, so restart the application afterwards.", EventName = "NoReadableSecondaries")]
    public static partial void NoReadableSecondaries(ILogger logger, string target);

    [LoggerMessage(32, LogLevel.Warning, "The read-only endpoint {Endpoint} is of type {EndpointType}, not ENDPOINT_TYPE_READ_ONLY: reads routed there go to a read-write compute.", EventName = "ReadOnlyEndpointIsReadWrite")]
    public static partial void ReadOnlyEndpointIsReadWrite(ILogger logger, string endpoint, string endpointType);

    [LoggerMessage(33, LogLevel.Information, "Read routing for {Target}: {Count} read-only host(s): {Hosts}.", EventName = "ReadOnlyHostsResolved")]
    public static partial void ReadOnlyHostsResolved(ILogger logger, string target, int count, string hosts);

    [LoggerMessage(34, LogLevel.Information, "Warmed up the Lakebase data source for {Target} in {Elapsed}: credential in hand, connections pooled.", EventName = "WarmedUp")]
    public static partial void WarmedUp(ILogger logger, string target, TimeSpan elapsed);

    [LoggerMessage(35, LogLevel.Warning, "The warm-up of the Lakebase data source for {Target} did not finish within {Timeout} ({Reason}); the host starts anyway, and the first request connects.", EventName = "WarmUpIncomplete")]
    public static partial void WarmUpIncomplete(ILogger logger, string target, TimeSpan timeout, string reason);

    [LoggerMessage(36, LogLevel.Information, "Created Lakebase branch {Branch} from {Parent} (TTL {Ttl}) in {Elapsed}.", EventName = "BranchCreated")]
    public static partial void BranchCreated(ILogger logger, string branch, string parent, TimeSpan ttl, TimeSpan elapsed);

    [LoggerMessage(37, LogLevel.Information, "Deleted Lakebase branch {Branch} in {Elapsed}.", EventName = "BranchDeleted")]
    public static partial void BranchDeleted(ILogger logger, string branch, TimeSpan elapsed);

    [LoggerMessage(38, LogLevel.Information, "Waiting for the workspace to {Operation} ({Elapsed} so far).", EventName = "OperationWaiting")]
    public static partial void OperationWaiting(ILogger logger, string operation, TimeSpan elapsed);

    [LoggerMessage(39, LogLevel.Warning, "PGHOST/PGDATABASE are not used for {Target}: they belong to {EnvironmentEndpoint}, the endpoint LAKEBASE_ENDPOINT (or ENDPOINT_NAME) names, so its host is looked up and its database is Database or databricks_postgres. Set Host and Database for {Target} if they differ.", EventName = "DatabaseVariablesOfAnotherEndpoint")]
    public static partial void DatabaseVariablesOfAnotherEndpoint(ILogger logger, string target, string environmentEndpoint);

    [LoggerMessage(30, LogLevel.Warning, "SslMode VerifyCA for {Target}: the server's chain is checked against {RootCertificate}, but not its host name. Any certificate that CA issued receives the database token; use VerifyFull unless that CA serves only this endpoint.", EventName = "TlsHostNameNotVerified")]
    public static partial void TlsHostNameNotVerified(ILogger logger, string target, string rootCertificate);

    [LoggerMessage(12, LogLevel.Error, "Refused the TLS certificate of {Host}:{Port} ({Reason}); no database token was sent.", EventName = "TlsVerificationFailed")]
    public static partial void TlsVerificationFailed(ILogger logger, string host, int port, LakebaseTlsFailure reason);

    [LoggerMessage(13, LogLevel.Warning, "A login for {Target} was refused again with a credential that has never logged in successfully; not forcing another one now (at most one per {Interval} once the burst is spent). Check that the role exists (databricks_create_role) and that the user name is the principal's client id.", EventName = "ForcedRefreshRateLimited")]
    public static partial void ForcedRefreshRateLimited(ILogger logger, string target, TimeSpan interval);

    [LoggerMessage(14, LogLevel.Debug, "No connection to {Target} was opened since the last credential refresh; background refresh pauses until the next open.", EventName = "BackgroundRefreshPaused")]
    public static partial void BackgroundRefreshPaused(ILogger logger, string target);

    [LoggerMessage(15, LogLevel.Warning, "Background credential refresh for {Target} stopped after a non-transient error ({Reason}); the next connection open retries.", EventName = "BackgroundRefreshStopped")]
    public static partial void BackgroundRefreshStopped(ILogger logger, string target, LakebaseCredentialError reason);

    [LoggerMessage(16, LogLevel.Warning, "The clock of the workspace at {Workspace} differs from this machine's by {Skew}; credential expiry times are corrected for it. Check the machine's time synchronisation (NTP).", EventName = "ClockSkewDetected")]
    public static partial void ClockSkewDetected(ILogger logger, string workspace, TimeSpan skew);

    [LoggerMessage(20, LogLevel.Information, "Authenticating to the Databricks workspace {Workspace} with {AuthType} (unified authentication).", EventName = "AuthMethodSelected")]
    public static partial void AuthMethodSelected(ILogger logger, string workspace, string authType);

    [LoggerMessage(21, LogLevel.Warning, "Authentication method {AuthType} is not set up on this machine ({Why}); falling through to the next configured method, as the Databricks SDKs do. Set DATABRICKS_AUTH_TYPE to choose one.", EventName = "AuthMethodSkipped")]
    public static partial void AuthMethodSkipped(ILogger logger, string authType, string why);

    [LoggerMessage(22, LogLevel.Information, "The database user of Lakebase endpoint {Target} is {User} ({Source}).", EventName = "DatabaseUserResolved")]
    public static partial void DatabaseUserResolved(ILogger logger, string target, string user, string source);

    [LoggerMessage(23, LogLevel.Warning, "The Date header of the workspace at {Workspace} differs from this machine's clock by {Skew}, more than the {Limit} a clock is corrected by; it is ignored and expiry times are read on this machine's clock. Check the machine's time synchronisation (NTP) and any proxy in between.", EventName = "ClockSkewIgnored")]
    public static partial void ClockSkewIgnored(ILogger logger, string workspace, TimeSpan skew, TimeSpan limit);
}
