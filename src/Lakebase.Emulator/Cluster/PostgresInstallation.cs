using System.Diagnostics;

namespace Lakebase.Emulator.Cluster;

/// <summary>Where the local PostgreSQL server binaries (<c>initdb</c>, <c>pg_ctl</c>, <c>postgres</c>) live, and their major version.</summary>
internal sealed record PostgresInstallation(string BinDirectory, int MajorVersion)
{
    public string Initdb => Path.Combine(BinDirectory, "initdb");

    public string PgCtl => Path.Combine(BinDirectory, "pg_ctl");

    public string PgBasebackup => Path.Combine(BinDirectory, "pg_basebackup");

    /// <summary>Looks in <c>PATH</c>, then <c>pg_config --bindir</c>, then <c>/usr/lib/postgresql/*/bin</c> (newest first).</summary>
    public static PostgresInstallation Locate()
    {
        foreach (var candidate in Candidates())
        {
            if (File.Exists(Path.Combine(candidate, "initdb")) && File.Exists(Path.Combine(candidate, "pg_ctl")) && File.Exists(Path.Combine(candidate, "postgres")))
            {
                return new PostgresInstallation(candidate, ReadMajorVersion(candidate));
            }
        }

        throw new InvalidOperationException(
            "PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found on PATH, via pg_config --bindir, or in /usr/lib/postgresql/*/bin. " +
            "On Debian/Ubuntu: apt-get install -y postgresql.");
    }

    private static IEnumerable<string> Candidates()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var initdb = Path.Combine(dir, "initdb");
            if (File.Exists(initdb))
            {
                // Debian links /usr/local/bin/initdb etc. into the versioned directory; the real one holds all binaries.
                var resolved = new FileInfo(initdb).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? initdb;
                yield return Path.GetDirectoryName(resolved)!;
                yield return dir;
            }
        }

        if (TryPgConfigBinDir() is { } fromPgConfig)
        {
            yield return fromPgConfig;
        }

        const string debianRoot = "/usr/lib/postgresql";
        if (Directory.Exists(debianRoot))
        {
            foreach (var versionDir in Directory.GetDirectories(debianRoot)
                         .OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0))
            {
                yield return Path.Combine(versionDir, "bin");
            }
        }
    }

    private static string? TryPgConfigBinDir()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("pg_config", "--bindir")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (process is null)
            {
                return null;
            }

            var output = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit(5000);
            return process.ExitCode == 0 && output.Length > 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // pg_config not installed
        }
    }

    private static int ReadMajorVersion(string binDirectory)
    {
        // "postgres (PostgreSQL) 15.8 (Debian 15.8-0+deb12u1)"
        using var process = Process.Start(new ProcessStartInfo(Path.Combine(binDirectory, "postgres"), "--version")
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        })!;
        var text = process.StandardOutput.ReadToEnd();
        process.WaitForExit(5000);
        var token = text.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(t => t.Length > 0 && char.IsDigit(t[0])) ?? "0";
        return int.TryParse(token.Split('.')[0], out var major) ? major : 0;
    }
}
