using System.Reflection;

namespace Lakebase.Packaging.Tests.Infrastructure;

/// <summary>Where the repository is and which configuration this test run was built in (stamped in by the csproj).</summary>
internal static class RepositoryLayout
{
    public static string Root { get; } = Metadata("RepositoryRoot");

    public static string BuildConfiguration { get; } = Metadata("BuildConfiguration");

    public static string Solution { get; } = Path.Combine(Root, "Lakebase.EF.sln");

    public static string NuGetConfig { get; } = Path.Combine(Root, "nuget.config");

    private static string Metadata(string key) =>
        typeof(RepositoryLayout).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
}
