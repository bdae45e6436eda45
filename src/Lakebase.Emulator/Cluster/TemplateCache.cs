using System.Security.Cryptography;
using System.Text;

namespace Lakebase.Emulator.Cluster;

/// <summary>
/// A copy of a freshly initdb'd cluster, kept under <c>$XDG_CACHE_HOME/lakebase-emulator</c> (or
/// <c>~/.cache/lakebase-emulator</c>) per PostgreSQL installation. Copying it is several times faster than initdb,
/// which matters when every test class starts its own emulator. Set <c>LAKEBASE_EMULATOR_NO_CACHE=1</c> to skip it.
/// </summary>
internal sealed class TemplateCache(PostgresInstallation installation)
{
    private readonly string? _directory = ResolveDirectory(installation);

    private string? TemplatePath => _directory is null ? null : Path.Combine(_directory, "template");

    /// <summary>Copies the cached template into an empty data directory; false when there is none.</summary>
    public async Task<bool> TryRestoreAsync(string dataDirectory, CancellationToken cancellationToken)
    {
        if (TemplatePath is not { } template || !File.Exists(Path.Combine(template, "PG_VERSION")))
        {
            return false;
        }

        try
        {
            // cp -a keeps the owner (postgres, when we are root) and the 0700 modes the server insists on.
            await CommandRunner.RunAsync("cp", ["-a", template + "/.", dataDirectory], cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (InvalidOperationException)
        {
            return false; // a broken cache only costs an initdb
        }
    }

    /// <summary>Saves a just-initdb'd (not yet started) data directory as the template. Best effort.</summary>
    public async Task TrySaveAsync(string dataDirectory, CancellationToken cancellationToken)
    {
        if (_directory is null || TemplatePath is not { } template || Directory.Exists(template))
        {
            return;
        }

        var staging = Path.Combine(_directory, "staging-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)));
        try
        {
            Directory.CreateDirectory(_directory);
            await CommandRunner.RunAsync("cp", ["-a", dataDirectory, staging], cancellationToken).ConfigureAwait(false);
            Directory.Move(staging, template); // atomic: concurrent emulators never see half a template
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            BestEffortDirectory.TryDelete(staging);
        }
    }

    private static string? ResolveDirectory(PostgresInstallation installation)
    {
        if (Environment.GetEnvironmentVariable("LAKEBASE_EMULATOR_NO_CACHE") is "1" or "true")
        {
            return null;
        }

        var cacheHome = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (string.IsNullOrEmpty(cacheHome))
        {
            var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            if (string.IsNullOrEmpty(home))
            {
                return null;
            }

            cacheHome = Path.Combine(home, ".cache");
        }

        // Keyed by major version and binary location: a template is only valid for the binaries that made it.
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(installation.BinDirectory)))[..12];
        return Path.Combine(cacheHome, "lakebase-emulator", $"pg{installation.MajorVersion}-{key}");
    }
}
