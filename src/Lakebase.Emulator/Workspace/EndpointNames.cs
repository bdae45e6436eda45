using System.Text.RegularExpressions;

namespace Lakebase.Emulator.Workspace;

/// <summary>Validation of Lakebase Autoscaling endpoint names.</summary>
internal static partial class EndpointNames
{
    public const string Expected = "projects/{project_id}/branches/{branch_id}/endpoints/{endpoint_id}";

    public static bool IsWellFormed(string name) => Pattern().IsMatch(name);

    [GeneratedRegex("^projects/[A-Za-z0-9][A-Za-z0-9_.-]*/branches/[A-Za-z0-9][A-Za-z0-9_.-]*/endpoints/[A-Za-z0-9][A-Za-z0-9_.-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
