using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Lakebase.Emulator.Cluster;

/// <summary>
/// The private PostgreSQL server behind the front: initdb'd into a temporary or given directory, tuned for
/// speed, listening only on a unix socket in a private directory with trust auth (the front is the only door).
/// Trust auth is safe only because no other local user can reach the socket: its directory, the socket and the data
/// directory are 0700 and belong to the server's user; a user-given data directory is only traversable (0711) by others
/// when the server runs as another user than the emulator, and private (0700) otherwise.
/// </summary>
internal sealed class PrivateCluster : IAsyncDisposable
{
    public const string Superuser = "postgres";

    // The unix socket file is named after this number; no TCP port is opened.
    private const int SocketPortNumber = 5432;

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    // Others may pass through (to reach the server's own 0700 directories) but not list or change anything.
    private const UnixFileMode OwnerOnlyTraversable = OwnerOnly | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    private readonly PostgresInstallation _installation;
    private readonly CommandRunner _runner = new();
    private readonly ILogger _logger;
    private readonly string _root;
    private readonly bool _ownsRoot;
    private readonly string _socketDirectory;
    private readonly bool _durable;
    private readonly SemaphoreSlim _crashing = new(1, 1);
    private bool _started;

    private PrivateCluster(PostgresInstallation installation, string root, bool ownsRoot, string socketDirectory, bool durable, ILogger logger)
    {
        _installation = installation;
        _root = root;
        _ownsRoot = ownsRoot;
        _socketDirectory = socketDirectory;
        _durable = durable;
        _logger = logger;
    }

    public string DataDirectory => Path.Combine(_root, "pgdata");

    public string LogFile => Path.Combine(_root, "postgres.log");

    public string SocketDirectory => _socketDirectory;

    public string SocketPath => Path.Combine(_socketDirectory, $".s.PGSQL.{SocketPortNumber}");

    public int MajorVersion => _installation.MajorVersion;

    public PostgresInstallation Installation => _installation;

    /// <summary>An Npgsql connection string for the superuser, straight to the private server.</summary>
    public string AdminConnectionString(string database) =>
        $"Host={_socketDirectory};Port={SocketPortNumber};Username={Superuser};Database={database};Pooling=false";

    /// <summary>Locates the binaries and lays out the directories; <see cref="StartAsync"/> starts the server.</summary>
    /// <param name="dataDirectory">A persistent root, or null for a temporary one.</param>
    /// <param name="logger">Where the server's lifecycle is logged.</param>
    /// <param name="durable">fsync, synchronous_commit and full_page_writes on, so a crash loses no acknowledged commit.</param>
    public static PrivateCluster Create(string? dataDirectory, ILogger logger, bool durable = false)
    {
        var installation = PostgresInstallation.Locate();
        var ownsRoot = dataDirectory is null;
        var root = dataDirectory is null ? CreatePrivateTempDirectory("lakebase-emulator-") : Path.GetFullPath(dataDirectory);
        CreatePrivateDirectory(root);

        // Unix socket paths are limited to ~107 bytes, so the socket never lives under a long user-chosen path.
        var socketDirectory = ownsRoot ? Path.Combine(root, "socket") : CreatePrivateTempDirectory("lbemu-sock-");
        return new PrivateCluster(installation, root, ownsRoot, socketDirectory, durable, logger);
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        await LockDownAsync(cancellationToken).ConfigureAwait(false);
        var fresh = !File.Exists(Path.Combine(DataDirectory, "PG_VERSION"));
        if (fresh)
        {
            CreatePrivateDirectory(DataDirectory);
        }

        if (fresh)
        {
            var cache = new TemplateCache(_installation);
            if (await cache.TryRestoreAsync(DataDirectory, cancellationToken).ConfigureAwait(false))
            {
                Log.ClusterRestoredFromTemplate(_logger, DataDirectory, stopwatch.ElapsedMilliseconds);
            }
            else
            {
                await _runner.GiveToServerUserAsync(DataDirectory, recursive: false, cancellationToken).ConfigureAwait(false);
                await _runner.RunAsServerUserAsync(
                    _installation.Initdb,
                    ["-D", DataDirectory, "-U", Superuser, "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"],
                    cancellationToken).ConfigureAwait(false);
                Log.ClusterInitialized(_logger, DataDirectory, stopwatch.ElapsedMilliseconds);
                await cache.TrySaveAsync(DataDirectory, cancellationToken).ConfigureAwait(false);
            }
        }

        await StartServerAsync(cancellationToken).ConfigureAwait(false);
        _started = true;
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
        Log.ClusterStarted(_logger, _installation.MajorVersion, _socketDirectory, stopwatch.ElapsedMilliseconds);
    }

    /// <summary>
    /// Crashes the server the way a killed compute does (<c>pg_ctl stop -m immediate</c>: no shutdown checkpoint, every
    /// backend gone mid-transaction) and starts it again, which replays the WAL. Returns once it accepts connections.
    /// </summary>
    public async Task CrashAndRestartAsync(CancellationToken cancellationToken)
    {
        await _crashing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var stopwatch = Stopwatch.StartNew();
            await _runner.RunAsServerUserAsync(_installation.PgCtl, ["stop", "-w", "-s", "-D", DataDirectory, "-m", "immediate"], cancellationToken).ConfigureAwait(false);

            // Not the caller's token: a server left stopped half-way would break every later test of this emulator.
            await StartServerAsync(CancellationToken.None).ConfigureAwait(false);
            Log.ClusterStarted(_logger, _installation.MajorVersion, _socketDirectory, stopwatch.ElapsedMilliseconds);
        }
        finally
        {
            _crashing.Release();
        }
    }

    private Task StartServerAsync(CancellationToken cancellationToken)
    {
        // Durability is worthless for a throwaway local compute, speed is not; a crash test asks for it (durable).
        var durability = _durable ? "on" : "off";
        var serverOptions = string.Join(' ',
            "-c listen_addresses=''",
            $"-k {_socketDirectory}",
            $"-p {SocketPortNumber}",
            $"-c fsync={durability}",
            $"-c synchronous_commit={durability}",
            $"-c full_page_writes={durability}",
            "-c max_connections=300",
            "-c shared_buffers=64MB",
            "-c unix_socket_permissions=0700");
        return _runner.RunAsServerUserAsync(
            _installation.PgCtl,
            ["start", "-w", "-t", "30", "-s", "-D", DataDirectory, "-l", LogFile, "-o", serverOptions],
            cancellationToken);
    }

    /// <summary>
    /// Makes the server's files private to the server's user before anything is written: as root, the server runs as
    /// <c>postgres</c>, which gets the socket directory and log (and a temporary root); a user-given root stays ours.
    /// </summary>
    private async Task LockDownAsync(CancellationToken cancellationToken)
    {
        CreatePrivateDirectory(_socketDirectory);
        if (!File.Exists(LogFile))
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            await using (new FileStream(LogFile, options).ConfigureAwait(false))
            {
            }
        }

        if (OperatingSystem.IsWindows())
        {
            return;
        }

        File.SetUnixFileMode(LogFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        if (!CommandRunner.IsRoot)
        {
            return;
        }

        await _runner.GiveToServerUserAsync(_socketDirectory, recursive: false, cancellationToken).ConfigureAwait(false);
        await _runner.GiveToServerUserAsync(LogFile, recursive: false, cancellationToken).ConfigureAwait(false);
        if (_ownsRoot)
        {
            await _runner.GiveToServerUserAsync(_root, recursive: false, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            // The user's directory keeps our files too (CA key, principals): postgres may only pass through it.
            File.SetUnixFileMode(_root, OwnerOnlyTraversable);
        }
    }

    // Safety net for a host that exits (SIGTERM, test runner shutdown) without disposing: never orphan a server.
    private void OnProcessExit(object? sender, EventArgs e)
    {
        if (_started)
        {
            _started = false;
            try
            {
                CommandRunner.RunAsync(
                    CommandRunner.IsRoot ? "runuser" : _installation.PgCtl,
                    CommandRunner.IsRoot
                        ? ["-u", CommandRunner.ServiceUser, "--", _installation.PgCtl, "stop", "-s", "-D", DataDirectory, "-m", "immediate"]
                        : ["stop", "-s", "-D", DataDirectory, "-m", "immediate"],
                    CancellationToken.None).Wait(TimeSpan.FromSeconds(5));
            }
            catch (AggregateException)
            {
            }

            if (_ownsRoot)
            {
                BestEffortDirectory.TryDelete(_root);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        if (_started)
        {
            _started = false;
            try
            {
                // A temporary cluster is deleted anyway: no need for a clean shutdown checkpoint.
                await _runner.RunAsServerUserAsync(
                    _installation.PgCtl,
                    ["stop", "-w", "-s", "-D", DataDirectory, "-m", _ownsRoot ? "immediate" : "fast"],
                    CancellationToken.None).ConfigureAwait(false);
            }
            catch (InvalidOperationException ex)
            {
                Log.ClusterStopFailed(_logger, ex);
            }
        }

        BestEffortDirectory.TryDelete(_socketDirectory);
        if (_ownsRoot)
        {
            BestEffortDirectory.TryDelete(_root);
        }
    }

    internal static string CreatePrivateTempDirectory(string prefix)
    {
        var baseDirectory = OperatingSystem.IsWindows() ? Path.GetTempPath() : TemporaryBase.Value;
        while (true)
        {
            // A fresh random name, never an existing directory: /tmp and /dev/shm are shared with every local user.
            var path = Path.Combine(baseDirectory, prefix + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8)));
            if (!Path.Exists(path))
            {
                CreatePrivateDirectory(path);
                return path;
            }
        }
    }

    internal static void CreatePrivateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            // Created private (never briefly open); one left by an earlier run is made private too.
            Directory.CreateDirectory(path, OwnerOnly);
            File.SetUnixFileMode(path, OwnerOnly);
        }
    }

    // A throwaway cluster belongs in RAM: on this kind of VM, writing 40 MB to /tmp takes ~1 s, to /dev/shm ~60 ms.
    // /tmp otherwise (and when /dev/shm is small, as in containers' 64 MB default). Never $TMPDIR: paths must stay
    // short (unix socket length limit) and traversable by the postgres user.
    private static readonly Lazy<string> TemporaryBase = new(() =>
    {
        const string shm = "/dev/shm";
        try
        {
            if (Directory.Exists(shm) && new DriveInfo(shm).AvailableFreeSpace >= 1L << 30)
            {
                return shm;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
        }

        return "/tmp";
    });
}
