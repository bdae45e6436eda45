namespace Lakebase.Emulator;

/// <summary>
/// A branch of the emulator's project as it was when read (<see cref="LakebaseEmulator.Branches"/>): the default branch
/// <c>main</c>, or a copy made through <c>POST /api/2.0/postgres/projects/{p}/branches</c>.
/// </summary>
public sealed class EmulatedBranch
{
    internal EmulatedBranch(string name, string? sourceBranch, bool isDefault, string state, DateTimeOffset createTime, DateTimeOffset? expireTime, IReadOnlyList<string> endpointNames)
    {
        Name = name;
        SourceBranch = sourceBranch;
        IsDefault = isDefault;
        State = state;
        CreateTime = createTime;
        ExpireTime = expireTime;
        EndpointNames = endpointNames;
    }

    /// <summary>The branch name, <c>projects/{p}/branches/{b}</c>.</summary>
    public string Name { get; }

    /// <summary>The last part of <see cref="Name"/>, e.g. <c>main</c>.</summary>
    public string BranchId => Name[(Name.LastIndexOf('/') + 1)..];

    /// <summary>The branch it was copied from (<c>status.source_branch</c>); <see langword="null"/> for the default branch.</summary>
    public string? SourceBranch { get; }

    /// <summary>Whether it is the project's default branch (<c>main</c>).</summary>
    public bool IsDefault { get; }

    /// <summary><c>status.current_state</c>: <c>INIT</c> while its copy is made, then <c>READY</c>.</summary>
    public string State { get; }

    /// <summary>When it was created, on the emulator's clock.</summary>
    public DateTimeOffset CreateTime { get; }

    /// <summary>When it expires and is deleted (on the emulator's clock); <see langword="null"/> when it never expires.</summary>
    public DateTimeOffset? ExpireTime { get; }

    /// <summary>Its endpoints' names, <c>projects/{p}/branches/{b}/endpoints/{e}</c>.</summary>
    public IReadOnlyList<string> EndpointNames { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({State})";
}
