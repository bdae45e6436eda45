namespace Lakebase.Emulator;

/// <summary>
/// A broken answer the workspace API can give instead of a good one (<see cref="EmulatorFaults.MalformNextAnswers"/>),
/// so clients' handling of what a proxy, a bug or an attacker may send can be tested. The admin API names them in
/// snake case: <c>invalid_json</c>, <c>missing_token</c>, and so on.
/// </summary>
public enum MalformedAnswer
{
    /// <summary>200 <c>application/json</c> whose body is cut off mid-object: not parseable JSON.</summary>
    InvalidJson,

    /// <summary>200 with the expiry but without the token field (<c>token</c>, or <c>access_token</c> on the token endpoint).</summary>
    MissingToken,

    /// <summary>200 with a real token but without its expiry (<c>expire_time</c>, <c>expiration_time</c> or <c>expires_in</c>).</summary>
    MissingExpiry,

    /// <summary>502 with a <c>text/html</c> "Bad Gateway" page, as a proxy in front of the workspace sends.</summary>
    HtmlBadGateway,

    /// <summary>200 with a real token, but the HTTP <c>Date</c> header is not a date.</summary>
    GarbageDateHeader,

    /// <summary>200 with a real token that expires in 100 days (far beyond any Databricks token).</summary>
    FarFutureExpiry,

    /// <summary>200 <c>application/json</c> with a 50 MB body (a 50 MB token string), streamed in chunks without a <c>Content-Length</c>.</summary>
    HugeBody,
}

/// <summary>Which endpoint a <see cref="MalformedAnswer"/> fault applies to.</summary>
public enum MalformedAnswerTarget
{
    /// <summary>The database credential APIs: <c>POST /api/2.0/postgres/credentials</c> and <c>/api/2.0/database/credentials</c>.</summary>
    CredentialApi,

    /// <summary>The OAuth token endpoint <c>POST /oidc/v1/token</c>.</summary>
    TokenEndpoint,
}
