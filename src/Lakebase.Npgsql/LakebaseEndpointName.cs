using System.Diagnostics.CodeAnalysis;
using Lakebase.Npgsql.Diagnostics;

namespace Lakebase.Npgsql;

/// <summary>
/// The name of a Lakebase Autoscaling endpoint (a compute): <c>projects/{project}/branches/{branch}/endpoints/{endpoint}</c>.
/// </summary>
public sealed record LakebaseEndpointName
{
    /// <summary>The expected shape, as shown in error messages.</summary>
    public const string ExpectedFormat = "projects/<project-id>/branches/<branch-id>/endpoints/<endpoint-id>";

    private LakebaseEndpointName(string projectId, string branchId, string endpointId)
    {
        ProjectId = projectId;
        BranchId = branchId;
        EndpointId = endpointId;
    }

    /// <summary>The project id.</summary>
    public string ProjectId { get; }

    /// <summary>The branch id.</summary>
    public string BranchId { get; }

    /// <summary>The endpoint id (<c>primary</c>, say): the last part of the name, not the <c>ep-…</c> uid in the endpoint's host name.</summary>
    public string EndpointId { get; }

    /// <summary>The full resource name.</summary>
    public string Name => $"projects/{ProjectId}/branches/{BranchId}/endpoints/{EndpointId}";

    /// <summary>Parses an endpoint name.</summary>
    /// <exception cref="LakebaseConfigurationException">The name is not of the form <see cref="ExpectedFormat"/>; the message says why.</exception>
    public static LakebaseEndpointName Parse(string? name) =>
        TryParse(name, out var parsed, out var problem) ? parsed : throw new LakebaseConfigurationException(problem);

    /// <summary>Tries to parse an endpoint name.</summary>
    public static bool TryParse(string? name, [NotNullWhen(true)] out LakebaseEndpointName? endpoint) => TryParse(name, out endpoint, out _);

    private static bool TryParse(string? name, [NotNullWhen(true)] out LakebaseEndpointName? endpoint, out string problem)
    {
        endpoint = null;
        var given = name?.Trim() ?? string.Empty;
        var parts = given.Split('/');
        if (parts.Length == 6 && parts[0] == "projects" && parts[2] == "branches" && parts[4] == "endpoints"
            && IsId(parts[1]) && IsId(parts[3]) && IsId(parts[5]))
        {
            endpoint = new LakebaseEndpointName(parts[1], parts[3], parts[5]);
            problem = string.Empty;
            return true;
        }

        problem = given.Length == 0
            ? $"Endpoint is not set: expected the endpoint name, '{ExpectedFormat}'. {HintFor(given)}"
            : $"Endpoint '{given}' is not an endpoint name: expected '{ExpectedFormat}'. {HintFor(given)}".TrimEnd();
        return false;
    }

    private static bool IsId(string part) =>
        part.Length > 0 && part.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    private static string HintFor(string given)
    {
        if (given.Length == 0)
        {
            return "Set Endpoint (the \"Lakebase\" section), LAKEBASE_ENDPOINT, or pass it in code. Find it in the Lakebase UI under the branch's computes, or with 'databricks postgres list-endpoints'.";
        }

        if (given.Contains('.', StringComparison.Ordinal) && !given.Contains('/', StringComparison.Ordinal))
        {
            return "That looks like a host name. The endpoint name is the resource path the Lakebase UI and 'databricks postgres list-endpoints' show (its endpoint id is not the 'ep-…' uid of the host name).";
        }

        if (!given.Contains('/', StringComparison.Ordinal))
        {
            return "That looks like a bare id. Give the full resource name including the project and branch ids.";
        }

        return given.StartsWith('/') || given.EndsWith('/')
            ? "Remove the leading or trailing '/'."
            : "Check the segment names ('projects', 'branches', 'endpoints') and that no id is empty.";
    }

    /// <inheritdoc />
    public override string ToString() => Name;
}
