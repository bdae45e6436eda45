using System.Diagnostics;
using System.IO.Compression;
using System.Xml.Linq;

[assembly: AssemblyFixture(typeof(Lakebase.Packaging.Tests.Infrastructure.PackedFeed))]

namespace Lakebase.Packaging.Tests.Infrastructure;

/// <summary>
/// Every packable project of the solution, packed once into a fresh local feed in a temporary folder outside the
/// repository. It packs what this test run already built (--no-build: seconds, not a second compilation).
/// </summary>
public sealed class PackedFeed : IAsyncLifetime
{
    private static readonly TimeSpan PackTimeout = TimeSpan.FromMinutes(5);

    /// <summary>A temporary folder for everything the tests create; deleted at the end.</summary>
    public string Root { get; } = Path.Combine(Path.GetTempPath(), "lakebase-packaging-" + Guid.NewGuid().ToString("N")[..12]);

    public string Feed => Path.Combine(Root, "feed");

    /// <summary>The private NuGet packages folder of every command the tests run.</summary>
    public string PackagesFolder => Path.Combine(Root, "nuget-packages");

    public IReadOnlyList<PackedPackage> Packages { get; private set; } = [];

    public TimeSpan PackDuration { get; private set; }

    /// <summary>The user's global packages folder: read-only fallback for the consumer's dependencies (no download).</summary>
    public string UserGlobalPackagesFolder { get; private set; } = null!;

    public PackedPackage Package(string id) =>
        Packages.SingleOrDefault(p => p.Id == id) ?? throw new InvalidOperationException($"No {id} package was packed; packed: {string.Join(", ", Packages.Select(p => p.Id))}.");

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(Root);
        var environment = Dotnet.Environment(PackagesFolder);
        var stopwatch = Stopwatch.StartNew();
        await Dotnet.RunAsync(Root, environment, PackTimeout, [],
            "pack", RepositoryLayout.Solution, "--configuration", RepositoryLayout.BuildConfiguration, "--no-build", "--output", Feed);
        PackDuration = stopwatch.Elapsed;
        Packages = Directory.GetFiles(Feed, "*.nupkg").Select(PackedPackage.Read).ToList();

        // Asked of NuGet with the inherited environment: NUGET_PACKAGES may relocate it.
        var locals = await Dotnet.RunAsync(Root, Lakebase.TestUtilities.ProcessRunner.IsolatedEnvironment(), TimeSpan.FromMinutes(1), [],
            "nuget", "locals", "global-packages", "--list");
        UserGlobalPackagesFolder = locals.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith("global-packages:", StringComparison.Ordinal))["global-packages:".Length..].Trim();
    }

    /// <summary>
    /// A nuget.config for a consumer project: this feed for the Lakebase packages (and only this feed, by package source
    /// mapping), the repository's own package sources for everything else, and the user's global packages folder as a
    /// fallback so that dependencies this machine already has are not downloaded again.
    /// </summary>
    public string ConsumerNuGetConfig()
    {
        var upstream = XDocument.Load(RepositoryLayout.NuGetConfig).Root!.Element("packageSources")!.Elements("add").ToList();
        const string feedKey = "lakebase-packed";
        var config = new XElement("configuration",
            new XElement("packageSources",
                new XElement("clear"),
                new XElement("add", new XAttribute("key", feedKey), new XAttribute("value", Feed)),
                upstream.Select(source => new XElement(source))),
            new XElement("fallbackPackageFolders",
                new XElement("add", new XAttribute("key", "user-global-packages"), new XAttribute("value", UserGlobalPackagesFolder))),
            new XElement("packageSourceMapping",
                new XElement("packageSource", new XAttribute("key", feedKey), new XElement("package", new XAttribute("pattern", "Lakebase.*"))),
                upstream.Select(source => new XElement("packageSource", new XAttribute("key", (string)source.Attribute("key")!),
                    new XElement("package", new XAttribute("pattern", "*"))))));
        return new XDocument(config).ToString();
    }

    /// <summary>A nuget.config with this feed as the only source (for `dotnet tool install`).</summary>
    public string FeedOnlyNuGetConfig() => new XDocument(new XElement("configuration",
        new XElement("packageSources",
            new XElement("clear"),
            new XElement("add", new XAttribute("key", "lakebase-packed"), new XAttribute("value", Feed))))).ToString();

    public ValueTask DisposeAsync()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp folder left behind is harmless.
        }
        catch (UnauthorizedAccessException)
        {
        }

        return ValueTask.CompletedTask;
    }
}

/// <summary>One .nupkg of the feed, with what its nuspec says.</summary>
public sealed record PackedPackage(string Id, string Version, string Path, XElement Metadata)
{
    public string SymbolsPath => System.IO.Path.ChangeExtension(Path, ".snupkg");

    public static PackedPackage Read(string path)
    {
        using var archive = ZipFile.OpenRead(path);
        var nuspec = archive.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal) && !e.FullName.Contains('/', StringComparison.Ordinal));
        using var stream = nuspec.Open();
        var metadata = XDocument.Load(stream).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        return new PackedPackage(Value(metadata, "id"), Value(metadata, "version"), path, metadata);
    }

    public string? Value(string element) => Metadata.Elements().SingleOrDefault(e => e.Name.LocalName == element)?.Value;

    public IReadOnlyList<string> Entries()
    {
        using var archive = ZipFile.OpenRead(Path);
        return archive.Entries.Select(e => e.FullName).ToList();
    }

    public string ReadEntry(string name)
    {
        using var archive = ZipFile.OpenRead(Path);
        using var reader = new StreamReader(archive.GetEntry(name)!.Open());
        return reader.ReadToEnd();
    }

    private static string Value(XElement metadata, string element) => metadata.Elements().Single(e => e.Name.LocalName == element).Value;
}
