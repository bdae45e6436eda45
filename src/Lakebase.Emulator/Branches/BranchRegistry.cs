using System.Diagnostics;
using System.Text.Json.Nodes;
using Lakebase.Emulator.Cluster;
using Lakebase.Emulator.Endpoints;
using Microsoft.Extensions.Logging;

namespace Lakebase.Emulator.Branches;

/// <summary>
/// The branches of the emulator's one project: the default branch on the emulator's own cluster, and copies made
/// through the API. Every mutation answers at once with a <see cref="LongRunningOperation"/> and does its work in the
/// background (the copy, the endpoint's start, the teardown), so clients poll as they must against Lakebase. A
/// branch with a TTL is deleted on the emulator's clock (<see cref="LakebaseEmulatorOptions.TimeProvider"/>).
/// </summary>
internal sealed partial class BranchRegistry(LakebaseEmulator emulator, EmulatorServers servers, PostgresInstallation installation, ILoggerFactory loggerFactory) : IAsyncDisposable
{
    private readonly object _gate = new();
    private readonly List<BranchRecord> _branches = [];
    private readonly List<Task> _work = [];
    private readonly CancellationTokenSource _disposing = new();
    private readonly ILogger _logger = loggerFactory.CreateLogger<LakebaseEmulator>();

    public OperationStore Operations { get; } = new();

    private TimeProvider Clock => emulator.TimeProvider;

    /// <summary>Registers the default branch, served by the emulator's own cluster and endpoints.</summary>
    public void AddDefault(string name, string socketDirectory, IEnumerable<EmulatedEndpoint> endpoints)
    {
        var main = new BranchRecord(name, null, BranchExpiry.Never, Clock.GetUtcNow(), isDefault: true)
        {
            SocketDirectory = socketDirectory,
            StateChangeTime = Clock.GetUtcNow(),
        };
        main.Endpoints.AddRange(endpoints);
        main.EndpointIds.UnionWith(main.Endpoints.Select(e => IdOf(e.Name)));
        lock (_gate)
        {
            _branches.Add(main);
        }
    }

    /// <summary>Every branch, the default one first.</summary>
    public IReadOnlyList<BranchRecord> All
    {
        get
        {
            lock (_gate)
            {
                return _branches.ToList();
            }
        }
    }

    public BranchRecord? Find(string name)
    {
        lock (_gate)
        {
            return _branches.FirstOrDefault(b => b.Name == name);
        }
    }

    public IReadOnlyList<EmulatedEndpoint> EndpointsOf(BranchRecord branch)
    {
        lock (_gate)
        {
            return branch.Endpoints.ToList();
        }
    }

    public EmulatedEndpoint? FindEndpoint(string name)
    {
        lock (_gate)
        {
            return _branches.SelectMany(b => b.Endpoints).FirstOrDefault(e => e.Name == name);
        }
    }

    public EmulatedBranch Snapshot(BranchRecord branch)
    {
        lock (_gate)
        {
            return branch.Snapshot();
        }
    }

    /// <summary>
    /// Starts copying <paramref name="source"/> into a new branch <paramref name="name"/>. <see langword="null"/> when
    /// a branch of that name exists already. The operation ends with the branch, or with an error (an injected fault,
    /// or a copy that failed), in which case the branch is gone again.
    /// </summary>
    public LongRunningOperation? CreateBranch(string name, BranchRecord source, BranchExpiry expiry)
    {
        var now = Clock.GetUtcNow();
        var branch = new BranchRecord(name, source.Name, expiry, now, isDefault: false) { StateChangeTime = now };
        lock (_gate)
        {
            if (_branches.Any(b => b.Name == name))
            {
                return null;
            }

            _branches.Add(branch);
            if (branch.ExpireTime is { } expireTime)
            {
                // The clock's own timer: a fake clock deletes the branch when a test advances it past the expiry.
                branch.ExpiryTimer = Clock.CreateTimer(_ => DeleteBranch(branch, "expired"), null, Max(expireTime - now, TimeSpan.Zero), Timeout.InfiniteTimeSpan);
            }
        }

        var operation = Operations.Start(name);
        Track(CopyAsync(branch, source, operation));
        return operation;
    }

    private async Task CopyAsync(BranchRecord branch, BranchRecord source, LongRunningOperation operation)
    {
        await Task.Yield(); // the caller answers done:false first
        var stopwatch = Stopwatch.StartNew();
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(branch.Deleting.Token, _disposing.Token);
        BranchCluster? cluster = null;
        try
        {
            if (emulator.Faults.Branches.TakeCreationFailure() is { } injected)
            {
                throw new BranchCreationException(injected);
            }

            if (!await source.Ready.WaitAsync(cancel.Token).ConfigureAwait(false))
            {
                throw new BranchCreationException($"Source branch '{source.Name}' could not be created, so it cannot be copied.");
            }

            cluster = BranchCluster.Create(installation, loggerFactory.CreateLogger<BranchCluster>());
            lock (_gate)
            {
                branch.Cluster = cluster;
            }

            await cluster.CopyAndStartAsync(source.SocketDirectory!, cancel.Token).ConfigureAwait(false);
            var size = await LogicalSizeAsync(cluster.SocketPath, cancel.Token).ConfigureAwait(false);
            lock (_gate)
            {
                branch.SocketDirectory = cluster.SocketDirectory;
                branch.StateChangeTime = Clock.GetUtcNow();
                if (!_branches.Contains(branch))
                {
                    throw new OperationCanceledException("deleted while it was created");
                }

                branch.MarkReady(true);
            }

            Log.BranchCreated(_logger, branch.Name, source.Name, stopwatch.ElapsedMilliseconds, size);
            operation.Succeed(BranchJson.Describe(Snapshot(branch), size, branch.Expiry));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            var deleted = branch.Deleting.IsCancellationRequested || _disposing.IsCancellationRequested;
            var message = ex is BranchCreationException
                ? ex.Message
                : deleted
                    ? $"Branch '{branch.Name}' was deleted before its copy of '{source.Name}' was ready."
                    : $"Copying branch '{source.Name}' into '{branch.Name}' failed: {FirstLine(ex.Message)}";
            Log.BranchCreationFailed(_logger, branch.Name, message);
            operation.Fail(deleted ? "ABORTED" : "INTERNAL_ERROR", message);
            branch.MarkReady(false);
            if (!deleted)
            {
                await RemoveAsync(branch).ConfigureAwait(false);
            }
            else if (cluster is not null)
            {
                await cluster.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Deletes a branch: at once it (and its endpoints) are gone from the API; then its sessions end, its server stops
    /// and its files are removed. <see langword="null"/> when it was gone already.
    /// </summary>
    public LongRunningOperation? DeleteBranch(BranchRecord branch, string reason)
    {
        lock (_gate)
        {
            if (branch.IsDefault || !_branches.Remove(branch))
            {
                return null;
            }
        }

        var operation = Operations.Start(branch.Name);
        Track(DeleteAsync(branch, reason, operation));
        return operation;
    }

    private async Task DeleteAsync(BranchRecord branch, string reason, LongRunningOperation operation)
    {
        await Task.Yield();
        await branch.Deleting.CancelAsync().ConfigureAwait(false);
        var sessions = await TearDownAsync(branch).ConfigureAwait(false);
        Log.BranchDeleted(_logger, branch.Name, reason, sessions);
        operation.Succeed(new JsonObject());
    }

    private async Task RemoveAsync(BranchRecord branch)
    {
        lock (_gate)
        {
            _branches.Remove(branch);
        }

        await TearDownAsync(branch).ConfigureAwait(false);
    }

    /// <summary>Stops the branch's endpoints (ending their sessions) and its server, and deletes its files.</summary>
    private async Task<int> TearDownAsync(BranchRecord branch)
    {
        branch.ExpiryTimer?.Dispose();
        List<EmulatedEndpoint> endpoints;
        BranchCluster? cluster;
        lock (_gate)
        {
            endpoints = branch.Endpoints.ToList();
            branch.Endpoints.Clear();
            cluster = branch.Cluster;
            branch.Cluster = null;
        }

        var sessions = 0;
        foreach (var endpoint in endpoints)
        {
            sessions += endpoint.DropAllSessions();
            await endpoint.StopAsync().ConfigureAwait(false);
            await endpoint.DisposeAsync().ConfigureAwait(false);
        }

        if (cluster is not null)
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
        }

        return sessions;
    }

    private void Track(Task work)
    {
        lock (_gate)
        {
            _work.RemoveAll(t => t.IsCompleted);
            _work.Add(work);
        }
    }

    private static string IdOf(string name) => name[(name.LastIndexOf('/') + 1)..];

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    public async ValueTask DisposeAsync()
    {
        await _disposing.CancelAsync().ConfigureAwait(false);
        Task[] work;
        lock (_gate)
        {
            work = _work.ToArray();
        }

        // Every piece of work ends its own operation; none may keep the emulator from stopping.
        await Task.WhenAll(work).ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).ConfigureAwait(false);
        foreach (var branch in All.Where(b => !b.IsDefault))
        {
            await TearDownAsync(branch).ConfigureAwait(false);
        }

        _disposing.Dispose();
    }
}

/// <summary>A branch creation refused for a reason the operation's error states (an injected fault, a failed source).</summary>
internal sealed class BranchCreationException(string message) : Exception(message);
