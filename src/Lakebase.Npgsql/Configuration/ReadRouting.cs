namespace Lakebase.Npgsql.Configuration;

/// <summary>
/// Where reads may go besides the primary: the endpoint's readable secondaries (its <c>read_only_host</c>, looked up),
/// read-only endpoints of the branch (their hosts, looked up) and hosts given explicitly. Compared by value, so equal
/// settings describe the same data source.
/// </summary>
internal sealed record ReadRouting(bool ReadableSecondaries, IReadOnlyList<LakebaseEndpointName> Endpoints, IReadOnlyList<string> Hosts)
{
    public static readonly ReadRouting None = new(false, [], []);

    /// <summary>Whether any read-only host may exist (else the data source is the primary alone, as without replicas).</summary>
    public bool IsEnabled => ReadableSecondaries || Endpoints.Count > 0 || Hosts.Count > 0;

    public static ReadRouting Resolve(LakebaseConnectionOptions settings, List<string> problems)
    {
        var endpoints = new List<LakebaseEndpointName>();
        foreach (var name in settings.ReadOnlyEndpoints ?? [])
        {
            if (LakebaseEndpointName.TryParse(name, out var parsed))
            {
                endpoints.Add(parsed);
            }
            else
            {
                problems.Add($"ReadOnlyEndpoints '{name}' is not an endpoint name: expected {LakebaseEndpointName.ExpectedFormat} (a read replica's endpoint, listed under the branch's computes).");
            }
        }

        var hosts = (settings.ReadOnlyHosts ?? []).Where(h => !string.IsNullOrWhiteSpace(h)).Select(h => h.Trim()).ToArray();
        var routing = new ReadRouting(settings.ReadableSecondaries ?? false, endpoints, hosts);
        return routing.IsEnabled ? routing : None;
    }

    public bool Equals(ReadRouting? other) =>
        other is not null && ReadableSecondaries == other.ReadableSecondaries
        && Endpoints.Select(e => e.Name).SequenceEqual(other.Endpoints.Select(e => e.Name), StringComparer.Ordinal)
        && Hosts.SequenceEqual(other.Hosts, StringComparer.OrdinalIgnoreCase);

    public override int GetHashCode() => HashCode.Combine(ReadableSecondaries, Endpoints.Count, Hosts.Count);

    public override string ToString() => !IsEnabled ? "none"
        : string.Join(", ", new[] { ReadableSecondaries ? "readable secondaries" : null }.Concat(Endpoints.Select(e => e.Name)).Concat(Hosts).Where(x => x is not null));
}
