using System.Globalization;

namespace Lakebase.Emulator.Cluster;

/// <summary>
/// A private cluster copied from a running one (a branch, a hot standby): <c>pg_basebackup</c> over the source's private
/// socket, then a server started on a private socket of its own with the emulator's settings. One place for both, so the
/// copies stay configured alike.
/// </summary>
internal static class ClusterCopy
{
    /// <summary>The port number in socket file names; private clusters listen on no TCP port.</summary>
    public const int SocketPortNumber = 5432;

    /// <summary>Copies the cluster behind <paramref name="sourceSocketDirectory"/> into <paramref name="dataDirectory"/>.</summary>
    public static Task BackupAsync(CommandRunner runner, PostgresInstallation installation, string sourceSocketDirectory, string dataDirectory, IEnumerable<string> extraArguments, CancellationToken cancellationToken)
    {
        List<string> backup =
        [
            "-h", sourceSocketDirectory, "-p", SocketPortNumber.ToString(CultureInfo.InvariantCulture), "-U", PrivateCluster.Superuser, "-w",
            "-D", dataDirectory, "-X", "stream", .. extraArguments, "-c", "fast", "--no-sync",
        ];
        if (installation.MajorVersion >= 13)
        {
            backup.Add("--no-manifest");
        }

        return runner.RunAsServerUserAsync(installation.PgBasebackup, backup, cancellationToken);
    }

    /// <summary>
    /// Starts the copy: no TCP listener, a 0700 private socket, fast and volatile like the primary (a copy never needs
    /// crash durability), and the primary's limits (a hot standby needs <c>max_connections</c> at least as high).
    /// </summary>
    public static Task StartAsync(CommandRunner runner, PostgresInstallation installation, string dataDirectory, string socketDirectory, string logFile, IEnumerable<string> extraSettings, CancellationToken cancellationToken)
    {
        var serverOptions = string.Join(' ', [
            "-c listen_addresses=''",
            $"-k {socketDirectory}",
            $"-p {SocketPortNumber}",
            .. extraSettings,
            "-c fsync=off",
            "-c synchronous_commit=off",
            "-c full_page_writes=off",
            "-c max_connections=300",
            "-c shared_buffers=64MB",
            "-c unix_socket_permissions=0700",
        ]);
        return runner.RunAsServerUserAsync(
            installation.PgCtl,
            ["start", "-w", "-t", "30", "-s", "-D", dataDirectory, "-l", logFile, "-o", serverOptions],
            cancellationToken);
    }
}
