using Lakebase.TestUtilities;
using Npgsql;

namespace Lakebase.Emulator.Tests;

/// <summary>
/// The private PostgreSQL server trusts whoever reaches its socket (superuser, and so <c>COPY ... TO PROGRAM</c>):
/// no other local user may reach it. Tests run as root, so the server runs as <c>postgres</c>.
/// </summary>
[Collection(SharedEmulatorCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PrivateServerAccessTests(EmulatorFixture fixture)
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static bool IsRoot => Environment.UserName == "root";

    private static string ServerUser => IsRoot ? "postgres" : Environment.UserName;

    [Fact]
    public async Task A_temporary_clusters_directories_and_socket_are_private_to_the_server_user()
    {
        var socketDirectory = SocketDirectory(fixture.Emulator);
        var root = Path.GetDirectoryName(socketDirectory)!;

        foreach (var directory in new[] { root, socketDirectory, Path.Combine(root, "pgdata") })
        {
            await AssertPrivateAsync(directory);
        }

        await AssertPrivateAsync(Path.Combine(socketDirectory, ".s.PGSQL.5432"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(root, "postgres.log")));
        await AssertOtherUserCannotConnectAsync(fixture.Emulator);
    }

    [Fact]
    public async Task A_given_data_directory_is_only_traversable_and_the_socket_lives_in_a_private_directory()
    {
        var directory = Path.Combine("/tmp", "lbemu-modes-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            await using var emulator = await LakebaseEmulator.StartAsync(new LakebaseEmulatorOptions { DataDirectory = directory }, Ct);
            var expected = IsRoot ? OwnerOnly | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute : OwnerOnly;
            Assert.Equal(expected, File.GetUnixFileMode(directory));
            await AssertPrivateAsync(Path.Combine(directory, "pgdata"));

            var socketDirectory = SocketDirectory(emulator);
            Assert.False(socketDirectory.StartsWith(Path.GetFullPath(directory), StringComparison.Ordinal));
            await AssertPrivateAsync(socketDirectory);
            await AssertPrivateAsync(Path.Combine(socketDirectory, ".s.PGSQL.5432"));
            await AssertOtherUserCannotConnectAsync(emulator);
        }
        finally
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    private static string SocketDirectory(LakebaseEmulator emulator) =>
        new NpgsqlConnectionStringBuilder(emulator.AdminConnectionString).Host!;

    private static async Task AssertPrivateAsync(string path)
    {
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(path) & ~UnixFileMode.SetGroup);
        Assert.Equal(ServerUser, (await RunAsync("stat", "-c", "%U", path)).Output.Trim());
    }

    /// <summary>What the permissions are for: <c>nobody</c> running psql against the socket is turned away.</summary>
    private static async Task AssertOtherUserCannotConnectAsync(LakebaseEmulator emulator)
    {
        if (!IsRoot || !File.Exists("/usr/bin/psql"))
        {
            return; // only root can act as another user; the modes above say the same
        }

        var result = await RunAsync("runuser", "-u", "nobody", "--", "/usr/bin/psql", "-X", "-w",
            $"host={SocketDirectory(emulator)} port=5432 user=postgres dbname=postgres connect_timeout=5", "-c", "SELECT 1");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("Permission denied", result.Output, StringComparison.Ordinal);
    }

    private static Task<ProcessRunner.Result> RunAsync(string file, params string[] arguments) =>
        ProcessRunner.RunAsync(file, arguments, "/", new Dictionary<string, string?>(), TimeSpan.FromSeconds(20), Ct);
}
