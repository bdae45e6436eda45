using System.Text.Json;
using Lakebase.Npgsql.Authentication;
using Lakebase.Npgsql.Authentication.Methods;
using Lakebase.Npgsql.Configuration;
using Lakebase.Npgsql.Connection;
using Lakebase.Npgsql.Credentials;
using Lakebase.Npgsql.Diagnostics;
using Lakebase.Npgsql.Http;
using Lakebase.Npgsql.Workspace;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lakebase.Npgsql;

/// <summary>
/// The Lakebase branch lifecycle (<c>/api/2.0/postgres</c>): create a branch from a parent with a TTL, wait for it,
/// create or find its read-write endpoint, delete it. Authenticated exactly as a data source is (Databricks unified
/// authentication, tokens only to their own workspace, no redirects, nothing secret in logs); every wait is bounded
/// (<see cref="LakebaseWorkspaceClientOptions.OperationTimeout"/>) and cancellable. Creating branches on a real workspace
/// costs time and money: each creation and deletion is logged with how long it took.
/// </summary>
public sealed class LakebaseWorkspaceClient : IDisposable
{
    private readonly HttpClient? _ownedHttpClient;
    private readonly MemoryCache _tokenCache;
    private readonly WorkspaceApi _api;
    private readonly OperationPoller _operations;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>A client for the workspace <paramref name="oauthOptions"/> authenticates to. Makes no network call.</summary>
    /// <param name="oauthOptions">How to authenticate (see <see cref="LakebaseOAuthOptions.FromEnvironment()"/>).</param>
    /// <param name="options">Services and limits; defaults when null.</param>
    /// <exception cref="LakebaseConfigurationException">The workspace or its credentials are not usable; the message lists every problem.</exception>
    public LakebaseWorkspaceClient(LakebaseOAuthOptions oauthOptions, LakebaseWorkspaceClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(oauthOptions);
        options ??= new LakebaseWorkspaceClientOptions();
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.OperationTimeout, TimeSpan.Zero, nameof(options));
        var getVariable = new LakebaseConnectionOptions { Configuration = options.Configuration }.VariableReader;
        var plan = UnifiedAuthConfig.Resolve(oauthOptions, getVariable, readEnvironment: false).Plan(getVariable);
        _time = options.TimeProvider ?? TimeProvider.System;
        _logger = (options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger(LakebaseLog.Category);
        if (options.HttpClient is null)
        {
            _ownedHttpClient = new HttpClient(LakebaseDataSourceParts.CreateHttpHandler());
        }

        var http = options.HttpClient ?? _ownedHttpClient!;
        _tokenCache = new MemoryCache(new MemoryCacheOptions { Clock = new TimeProviderSystemClock(_time) });
        var tokens = plan.CreateTokenSource(new AuthServices(() => http, _tokenCache, _time, _logger));
        _api = new WorkspaceApi(() => http, plan.WorkspaceUrl, tokens);
        _operations = new OperationPoller(_api, _time, options.OperationTimeout);
    }

    /// <summary>The workspace this client talks to.</summary>
    public Uri WorkspaceUrl => _api.WorkspaceUrl;

    /// <summary>Creates a branch from <paramref name="parentBranch"/> (its data as of now) that expires after <paramref name="ttl"/>, and waits until it is ready.</summary>
    /// <param name="parentBranch">The parent, <c>projects/{project}/branches/{branch}</c>.</param>
    /// <param name="branchId">The new branch's id (letters, digits, <c>-</c>).</param>
    /// <param name="ttl">How long the branch lives: a safety net that deletes it even if nobody does.</param>
    /// <param name="cancellationToken">Stops waiting (the branch may still be created; its TTL removes it).</param>
    /// <returns>The ready branch.</returns>
    public async Task<LakebaseBranch> CreateBranchAsync(string parentBranch, string branchId, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        var (project, parent) = ParseBranch(parentBranch, nameof(parentBranch));
        ArgumentException.ThrowIfNullOrWhiteSpace(branchId);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ttl, TimeSpan.Zero);
        var started = _time.GetTimestamp();
        var body = JsonSerializer.Serialize(new { spec = new { source_branch = parent, ttl = $"{(long)Math.Ceiling(ttl.TotalSeconds)}s" } });
        var what = $"create branch '{branchId}' from {parent}";
        using var answer = (await _api.SendAsync(HttpMethod.Post, $"api/2.0/postgres/{project}/branches?branch_id={Uri.EscapeDataString(branchId)}", body, what, $"Lakebase project {project}", cancellationToken,
            notFound: $"the parent branch {parent} does not exist (or the project {project} does not). Check the branch name, e.g. LAKEBASE_TEST_PARENT_BRANCH=projects/<project-id>/branches/<branch-id>.").ConfigureAwait(false)).Document;
        var response = await _operations.WaitAsync(answer.RootElement, what, $"Lakebase project {project}", e => LakebaseLog.OperationWaiting(_logger, what, e), cancellationToken).ConfigureAwait(false);
        var name = $"{project}/branches/{branchId}";
        var branch = ReadBranch(response, name) ?? await GetBranchAsync(name, cancellationToken).ConfigureAwait(false)
            ?? throw DatabricksApiErrors.InvalidResponse(what, $"Lakebase project {project}", _api.Workspace, "the finished operation named no branch, and none exists");
        LakebaseLog.BranchCreated(_logger, branch.Name, parent, ttl, _time.GetElapsedTime(started));
        return branch;
    }

    /// <summary>The branch, or null when it does not exist (any more).</summary>
    /// <param name="branch">The branch name, <c>projects/{project}/branches/{branch}</c>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The branch, or null.</returns>
    public async Task<LakebaseBranch?> GetBranchAsync(string branch, CancellationToken cancellationToken = default)
    {
        var (_, name) = ParseBranch(branch, nameof(branch));
        try
        {
            using var answer = (await _api.SendAsync(HttpMethod.Get, "api/2.0/postgres/" + name, null, "read the branch", name, cancellationToken, notFound: "no such branch").ConfigureAwait(false)).Document;
            return ReadBranch(answer.RootElement, name);
        }
        catch (LakebaseCredentialException e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>Deletes the branch and waits until it is gone; a branch that no longer exists is not an error.</summary>
    /// <param name="branch">The branch name, <c>projects/{project}/branches/{branch}</c>.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes when the branch is gone.</returns>
    public async Task DeleteBranchAsync(string branch, CancellationToken cancellationToken = default)
    {
        var (_, name) = ParseBranch(branch, nameof(branch));
        var started = _time.GetTimestamp();
        try
        {
            // A delete is safe to repeat: one the workspace refused for a while is sent again rather than left to the TTL.
            using var answer = (await _operations.SendRepeatableAsync(
                ct => _api.SendAsync(HttpMethod.Delete, $"api/2.0/postgres/{name}?purge=true", null, "delete the branch", name, ct, notFound: "no such branch"),
                started,
                cancellationToken).ConfigureAwait(false)).Document;

            // One OperationTimeout for the delete as a whole: its resends and the wait for its operation.
            await _operations.WaitAsync(answer.RootElement, "delete the branch", name, e => LakebaseLog.OperationWaiting(_logger, $"delete {name}", e), cancellationToken, started).ConfigureAwait(false);
        }
        catch (LakebaseCredentialException e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return;
        }

        LakebaseLog.BranchDeleted(_logger, name, _time.GetElapsedTime(started));
    }

    /// <summary>The branch's endpoints (computes).</summary>
    /// <param name="branch">The branch name, <c>projects/{project}/branches/{branch}</c>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Its endpoints, possibly none.</returns>
    public async Task<IReadOnlyList<LakebaseEndpointInfo>> ListEndpointsAsync(string branch, CancellationToken cancellationToken = default)
    {
        var (_, name) = ParseBranch(branch, nameof(branch));
        using var answer = (await _api.SendAsync(HttpMethod.Get, $"api/2.0/postgres/{name}/endpoints", null, "list the branch's endpoints", name, cancellationToken, notFound: "no such branch").ConfigureAwait(false)).Document;
        return answer.RootElement.TryGetProperty("endpoints", out var endpoints) && endpoints.ValueKind == JsonValueKind.Array
            ? [.. endpoints.EnumerateArray().Select(ReadEndpoint).OfType<LakebaseEndpointInfo>()]
            : [];
    }

    /// <summary>The branch's read-write endpoint; created (with id <paramref name="endpointId"/>) when it has none.</summary>
    /// <param name="branch">The branch name, <c>projects/{project}/branches/{branch}</c>.</param>
    /// <param name="endpointId">The id to create it with, if needed.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The endpoint; connect with its <see cref="LakebaseEndpointInfo.Name"/> (the host is looked up on the first open).</returns>
    public async Task<LakebaseEndpointInfo> GetOrCreateReadWriteEndpointAsync(string branch, string endpointId, CancellationToken cancellationToken = default)
    {
        var (_, name) = ParseBranch(branch, nameof(branch));
        if ((await ListEndpointsAsync(name, cancellationToken).ConfigureAwait(false)).FirstOrDefault(e => e.EndpointType is null or EndpointDetails.ReadWriteType) is { } existing)
        {
            return existing;
        }

        var what = $"create endpoint '{endpointId}'";
        var body = JsonSerializer.Serialize(new { spec = new { endpoint_type = EndpointDetails.ReadWriteType } });
        using var answer = (await _api.SendAsync(HttpMethod.Post, $"api/2.0/postgres/{name}/endpoints?endpoint_id={Uri.EscapeDataString(endpointId)}", body, what, name, cancellationToken, notFound: "no such branch").ConfigureAwait(false)).Document;
        var response = await _operations.WaitAsync(answer.RootElement, what, name, e => LakebaseLog.OperationWaiting(_logger, what, e), cancellationToken).ConfigureAwait(false);
        return ReadEndpoint(response) ?? (await ListEndpointsAsync(name, cancellationToken).ConfigureAwait(false)).FirstOrDefault(e => e.Name.EndsWith("/" + endpointId, StringComparison.Ordinal))
            ?? throw DatabricksApiErrors.InvalidResponse(what, name, _api.Workspace, "the finished operation named no endpoint, and none is listed");
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _ownedHttpClient?.Dispose();
        _tokenCache.Dispose();
    }

    private static (string Project, string Branch) ParseBranch(string branch, string parameter)
    {
        var parts = (branch ?? string.Empty).Trim().Split('/');
        return parts is ["projects", { Length: > 0 } project, "branches", { Length: > 0 } id]
            ? ($"projects/{project}", $"projects/{project}/branches/{id}")
            : throw new LakebaseConfigurationException($"'{branch}' ({parameter}) is not a branch name: expected projects/<project-id>/branches/<branch-id>.");
    }

    private static LakebaseBranch? ReadBranch(JsonElement element, string fallbackName)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var status = JsonFields.Child(element, "status");
        var spec = JsonFields.Child(element, "spec");
        var expire = JsonFields.Text(status, "expire_time") ?? JsonFields.Text(spec, "expire_time");
        return new LakebaseBranch(
            JsonFields.Text(element, "name") ?? fallbackName,
            JsonFields.Text(status, "current_state"),
            JsonFields.Text(status, "source_branch") ?? JsonFields.Text(spec, "source_branch"),
            DateTimeOffset.TryParse(expire, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var at) ? at : null);
    }

    private static LakebaseEndpointInfo? ReadEndpoint(JsonElement element)
    {
        if (JsonFields.Text(element, "name") is not { } name)
        {
            return null;
        }

        var status = JsonFields.Child(element, "status");
        return new LakebaseEndpointInfo(
            name,
            JsonFields.Text(JsonFields.Child(status, "hosts"), "host"),
            JsonFields.Text(status, "endpoint_type") ?? JsonFields.Text(JsonFields.Child(element, "spec"), "endpoint_type"),
            JsonFields.Text(status, "current_state"));
    }
}
