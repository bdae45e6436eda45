using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Lakebase.Npgsql;

/// <summary>Services and limits of a <see cref="LakebaseWorkspaceClient"/>.</summary>
public sealed class LakebaseWorkspaceClientOptions
{
    /// <summary>The clock for waits and token expiry (default: the system clock).</summary>
    public TimeProvider? TimeProvider { get; set; }

    /// <summary>Where progress and errors are logged (category <c>Lakebase</c>); never a secret.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>The client for workspace calls; it must not follow redirects. Default: a private one that does not.</summary>
    public HttpClient? HttpClient { get; set; }

    /// <summary>Configuration read before the process environment for <c>DATABRICKS_*</c> names.</summary>
    public IConfiguration? Configuration { get; set; }

    /// <summary>How long one long-running operation (creating or deleting a branch or endpoint) may take (default 10 minutes).</summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromMinutes(10);
}

/// <summary>A Lakebase branch as the workspace describes it.</summary>
/// <param name="Name">The branch's resource name, <c>projects/{project}/branches/{branch}</c>.</param>
/// <param name="State">Its state (<c>READY</c>, <c>INIT</c>, ...), when reported.</param>
/// <param name="SourceBranch">The branch it was created from, when reported.</param>
/// <param name="ExpireTime">When it expires (its TTL), when it has one.</param>
public sealed record LakebaseBranch(string Name, string? State, string? SourceBranch, DateTimeOffset? ExpireTime);

/// <summary>A Lakebase endpoint (compute) as the workspace describes it.</summary>
/// <param name="Name">The endpoint name, <c>projects/{project}/branches/{branch}/endpoints/{endpoint}</c>.</param>
/// <param name="Host">Its host, when reported.</param>
/// <param name="EndpointType"><c>ENDPOINT_TYPE_READ_WRITE</c> or <c>ENDPOINT_TYPE_READ_ONLY</c>, when reported.</param>
/// <param name="State">Its state (<c>ACTIVE</c>, <c>IDLE</c>, ...), when reported.</param>
public sealed record LakebaseEndpointInfo(string Name, string? Host, string? EndpointType, string? State);
