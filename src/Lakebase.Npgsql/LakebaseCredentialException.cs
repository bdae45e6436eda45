using System.Net;

namespace Lakebase.Npgsql;

/// <summary>
/// The Databricks workspace could not issue a workspace token or a database credential. <see cref="Reason"/>
/// says which of the known causes it is; the message says how to fix it.
/// </summary>
public sealed class LakebaseCredentialException : LakebaseException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="reason">The classified cause.</param>
    /// <param name="message">What went wrong and how to fix it (no secrets).</param>
    /// <param name="statusCode">The HTTP status the workspace returned, if it answered.</param>
    /// <param name="errorCode">The Databricks <c>error_code</c> (or OAuth <c>error</c>), if any.</param>
    /// <param name="retryAfter">How long the workspace asked callers to wait (HTTP <c>Retry-After</c>), if it did.</param>
    /// <param name="innerException">The underlying transport error, if any.</param>
    public LakebaseCredentialException(
        LakebaseCredentialError reason,
        string message,
        HttpStatusCode? statusCode = null,
        string? errorCode = null,
        TimeSpan? retryAfter = null,
        Exception? innerException = null)
        : base(message, innerException)
    {
        Reason = reason;
        StatusCode = statusCode;
        ErrorCode = errorCode;
        RetryAfter = retryAfter;
    }

    /// <summary>The classified cause.</summary>
    public LakebaseCredentialError Reason { get; }

    /// <summary>The HTTP status the workspace returned, or <see langword="null"/> when it could not be reached.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>The Databricks <c>error_code</c> (REST APIs) or OAuth <c>error</c> (token endpoint), if any.</summary>
    public string? ErrorCode { get; }

    /// <summary>The delay the workspace asked for before the next attempt, if any.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>
    /// Whether trying again later may succeed (rate limiting, temporary unavailability, network errors). Every
    /// other failure is a configuration problem: retrying would only hammer the API.
    /// </summary>
    public bool IsTransient => Reason is LakebaseCredentialError.RateLimited or LakebaseCredentialError.Unavailable;
}

/// <summary>The known causes of a failed credential request.</summary>
public enum LakebaseCredentialError
{
    /// <summary>An unexpected answer from the workspace.</summary>
    Unknown,

    /// <summary>OAuth client id or secret rejected (<c>invalid_client</c>).</summary>
    InvalidClient,

    /// <summary>The bearer token (personal access token or workspace OAuth token) was rejected (HTTP 401).</summary>
    Unauthenticated,

    /// <summary>The principal lacks the "Workspace access" entitlement or a permission on the project (HTTP 403).</summary>
    PermissionDenied,

    /// <summary>The endpoint (or instance) does not exist in this workspace (HTTP 404).</summary>
    EndpointNotFound,

    /// <summary>The workspace rejected a request parameter, such as a malformed endpoint name (HTTP 400).</summary>
    InvalidRequest,

    /// <summary>Too many requests (HTTP 429); retried honouring <c>Retry-After</c>.</summary>
    RateLimited,

    /// <summary>The workspace was unreachable or temporarily unavailable (HTTP 503, 502, 504 or a network error).</summary>
    Unavailable,

    /// <summary>The workspace answered with a body this library could not read.</summary>
    InvalidResponse,
}
