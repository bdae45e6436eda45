using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;

namespace Lakebase.Npgsql.Authentication.Methods;

/// <summary>
/// One unified-authentication method. <see cref="Missing"/> decides, without network calls or processes, whether its
/// settings are present; <see cref="Create"/> makes its token source, which does the work on first use.
/// </summary>
internal abstract class AuthenticationMethod
{
    /// <summary>The SDKs' name for it (<c>DATABRICKS_AUTH_TYPE</c> value).</summary>
    public abstract string Name { get; }

    public abstract LakebaseAuthenticationMethod Kind { get; }

    /// <summary>What is missing for this method, or null when its settings are present. Never contains a secret.</summary>
    public abstract string? Missing(AuthInputs inputs);

    public abstract IWorkspaceTokenSource Create(AuthInputs inputs, AuthServices services);

    /// <summary>The service principal's application id when this method authenticates one (its database user), else null.</summary>
    public virtual string? ServicePrincipalId(AuthInputs inputs) => null;

    /// <summary>Joins what is missing ("no X and Y (set A and B)") or returns null.</summary>
    protected static string? Lacking(params (bool Present, string What)[] requirements)
    {
        var missing = requirements.Where(r => !r.Present).Select(r => r.What).ToArray();
        return missing.Length == 0 ? null : string.Join("; ", missing);
    }
}

/// <summary>The resolved options a method reads, the workspace (null when no host is set) and the environment.</summary>
internal sealed record AuthInputs(LakebaseOAuthOptions Options, Uri? WorkspaceUrl, Func<string, string?> GetVariable)
{
    public bool HasHost => WorkspaceUrl is not null;

    /// <summary>
    /// Azure Databricks: the host is one of Azure's, or a workspace resource id is set (databricks-sdk-go
    /// <c>config/azure.go</c> <c>IsAzure</c>, <c>config/environments.go</c>).
    /// </summary>
    public bool IsAzure => Options.AzureWorkspaceResourceId is not null || (WorkspaceUrl?.Host is { } host
        && (host.EndsWith(".azuredatabricks.net", StringComparison.OrdinalIgnoreCase)
            || host.EndsWith(".databricks.azure.cn", StringComparison.OrdinalIgnoreCase)
            || host.EndsWith(".databricks.azure.us", StringComparison.OrdinalIgnoreCase)));

    public string? Variable(string name) => GetVariable(name) is { } value && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

    /// <summary>The files named <paramref name="program"/> in the directories of this environment's <c>PATH</c>, in order.</summary>
    public IEnumerable<FileInfo> FindOnPath(string program) =>
        (GetVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => new FileInfo(Path.Combine(directory, program)))
            .Where(file => file.Exists);
}

/// <summary>What token sources use: HTTP, the token cache, the clock and the logger.</summary>
internal sealed record AuthServices(Func<HttpClient> Http, IMemoryCache Cache, TimeProvider TimeProvider, ILogger Logger);
