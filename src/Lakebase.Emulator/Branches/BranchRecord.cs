using Lakebase.Emulator.Cluster;
using Lakebase.Emulator.Endpoints;

namespace Lakebase.Emulator.Branches;

/// <summary>
/// A branch's live state inside the <see cref="BranchRegistry"/>: its copy of the data (a <see cref="BranchCluster"/>,
/// or the emulator's own private cluster for the default branch), its endpoints and when it expires. Mutable fields
/// are guarded by the registry's lock.
/// </summary>
internal sealed class BranchRecord
{
    private readonly TaskCompletionSource<bool> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public BranchRecord(string name, string? sourceBranch, BranchExpiry expiry, DateTimeOffset createTime, bool isDefault)
    {
        Name = name;
        SourceBranch = sourceBranch;
        Expiry = expiry;
        CreateTime = createTime;
        ExpireTime = expiry.At(createTime);
        IsDefault = isDefault;
        if (isDefault)
        {
            _ready.SetResult(true);
        }
    }

    public string Name { get; }

    public string BranchId => Name[(Name.LastIndexOf('/') + 1)..];

    public string? SourceBranch { get; }

    public BranchExpiry Expiry { get; }

    public DateTimeOffset CreateTime { get; }

    public DateTimeOffset? ExpireTime { get; }

    public bool IsDefault { get; }

    /// <summary>When <c>current_state</c> last changed.</summary>
    public DateTimeOffset StateChangeTime { get; set; }

    /// <summary>Completes with true once the copy runs, false when it failed or the branch was deleted first.</summary>
    public Task<bool> Ready => _ready.Task;

    public bool IsReady => _ready.Task is { IsCompletedSuccessfully: true, Result: true };

    public string State => IsReady ? "READY" : "INIT";

    /// <summary>The private socket directory of the server holding its data (null until the copy runs).</summary>
    public string? SocketDirectory { get; set; }

    /// <summary>Its copy of the data; <see langword="null"/> for the default branch (the emulator's cluster) and until made.</summary>
    public BranchCluster? Cluster { get; set; }

    /// <summary>Its endpoints; the default branch's are the emulator's own.</summary>
    public List<EmulatedEndpoint> Endpoints { get; } = [];

    /// <summary>Endpoint ids taken, including endpoints still being created.</summary>
    public HashSet<string> EndpointIds { get; } = new(StringComparer.Ordinal);

    /// <summary>Cancelled when the branch is deleted: stops a copy in progress.</summary>
    public CancellationTokenSource Deleting { get; } = new();

    /// <summary>Fires on the emulator's clock at <see cref="ExpireTime"/>.</summary>
    public ITimer? ExpiryTimer { get; set; }

    public void MarkReady(bool ready) => _ready.TrySetResult(ready);

    public EmulatedBranch Snapshot() =>
        new(Name, SourceBranch, IsDefault, State, CreateTime, ExpireTime, Endpoints.Select(e => e.Name).ToList());
}
