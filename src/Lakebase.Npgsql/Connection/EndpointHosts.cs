namespace Lakebase.Npgsql.Connection;

/// <summary>The hosts a data source connects to: the primary (read-write) and, with read routing, the read-only ones.</summary>
/// <param name="Primary">The endpoint's host.</param>
/// <param name="ReadOnly">Hosts that serve reads (readable secondaries, read replicas, hosts given); empty without read routing.</param>
internal sealed record EndpointHosts(string Primary, IReadOnlyList<string> ReadOnly)
{
    public override string ToString() => ReadOnly.Count == 0 ? Primary : $"{Primary} (read-only: {string.Join(", ", ReadOnly)})";
}
