using System.Xml.Linq;
using Lakebase.Packaging.Tests.Infrastructure;

namespace Lakebase.Packaging.Tests;

/// <summary>What nuget.org and a package consumer see of each package: readme, license, repository, symbols.</summary>
public sealed class PackageContentsTests(PackedFeed feed)
{
    [Fact]
    public void The_library_the_emulator_library_and_the_emulator_tool_are_packed()
    {
        Assert.Contains(feed.Packages, p => p.Id == "Lakebase.EntityFrameworkCore");
        Assert.Contains(feed.Packages, p => p.Id == "Lakebase.Emulator");
        Assert.Contains(feed.Packages, p => p.Id == "Lakebase.Emulator.Tool");
        Assert.Contains(feed.Packages, p => p.Id == "Lakebase.Tool");
        Assert.All(feed.Packages, p => Assert.StartsWith("Lakebase.", p.Id, StringComparison.Ordinal)); // nothing from samples, tests, bench
    }

    [Fact]
    public void The_Aspire_integrations_are_packed_on_the_library_packages_of_their_own_version()
    {
        var hosting = feed.Package("Lakebase.Aspire.Hosting");
        var client = feed.Package("Lakebase.Aspire");

        Assert.Contains(("Lakebase.Npgsql", hosting.Version), Dependencies(hosting));
        Assert.Contains(("Lakebase.EntityFrameworkCore", client.Version), Dependencies(client));
    }

    [Fact]
    public void The_test_kit_and_its_xunit_fixture_are_packed_on_the_library_packages_of_their_own_version()
    {
        var kit = feed.Package("Lakebase.Testing");
        var fixture = feed.Package("Lakebase.Testing.XunitV3");

        Assert.Contains(("Lakebase.EntityFrameworkCore", kit.Version), Dependencies(kit));
        Assert.Contains(("Lakebase.Emulator", kit.Version), Dependencies(kit));
        Assert.Contains(Dependencies(kit), dependency => dependency.Id == "Respawn");
        Assert.Contains(("Lakebase.Testing", fixture.Version), Dependencies(fixture));
    }

    [Fact]
    public void Every_package_has_its_readme_license_repository_and_a_symbols_package()
    {
        Assert.All(feed.Packages, package =>
        {
            Assert.Equal("README.md", package.Value("readme"));
            Assert.Contains("README.md", package.Entries());
            Assert.Equal("MIT", package.Value("license"));
            Assert.False(string.IsNullOrWhiteSpace(package.Value("description")), $"{package.Id} has no description");
            var repository = package.Metadata.Elements().Single(e => e.Name.LocalName == "repository");
            Assert.StartsWith("https://github.com/", (string?)repository.Attribute("url"), StringComparison.Ordinal);
            Assert.Matches("^[0-9a-f]{40}$", (string?)repository.Attribute("commit") ?? string.Empty);
            Assert.True(File.Exists(package.SymbolsPath), $"{package.Id}: no {Path.GetFileName(package.SymbolsPath)}");
        });
    }

    [Fact]
    public void The_tool_package_installs_the_lakebase_emulator_command()
    {
        var tool = feed.Package("Lakebase.Emulator.Tool");

        var settings = Assert.Single(tool.Entries(), e => e.StartsWith("tools/", StringComparison.Ordinal) && e.EndsWith("/DotnetToolSettings.xml", StringComparison.Ordinal));
        var command = Assert.Single(XDocument.Parse(tool.ReadEntry(settings)).Descendants("Command"));
        Assert.Equal("lakebase-emulator", (string?)command.Attribute("Name"));
        Assert.Equal("lakebase-emulator.dll", (string?)command.Attribute("EntryPoint"));
    }

    private static IEnumerable<(string Id, string Version)> Dependencies(PackedPackage package) =>
        package.Metadata.Descendants()
            .Where(e => e.Name.LocalName == "dependency")
            .Select(e => ((string?)e.Attribute("id") ?? string.Empty, (string?)e.Attribute("version") ?? string.Empty));
}
