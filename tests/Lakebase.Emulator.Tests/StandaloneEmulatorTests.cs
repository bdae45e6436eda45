using System.Diagnostics;
using Lakebase.TestUtilities;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Lakebase.Emulator.Tests;

/// <summary>Tests that need their own emulator (special options, or they disrupt the compute).</summary>
public sealed class StandaloneEmulatorTests(ITestOutputHelper output)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Starts_quickly_and_stops_cleanly()
    {
        var stopwatch = Stopwatch.StartNew();
        var emulator = await LakebaseEmulator.StartAsync(cancellationToken: Ct);
        var ready = stopwatch.Elapsed;
        output.WriteLine($"Startup to ready: {ready.TotalMilliseconds:F0} ms (PostgreSQL {emulator.PostgresMajorVersion})");
        Assert.True(ready < TimeSpan.FromSeconds(10), $"startup took {ready}");

        await using (var connection = await Client.OpenAsync(emulator, emulator.MintDatabaseToken().Token))
        {
            Assert.Equal(1, await Client.ScalarAsync(connection, "SELECT 1"));
        }

        var socketDirectory = new global::Npgsql.NpgsqlConnectionStringBuilder(emulator.AdminConnectionString).Host!;
        stopwatch.Restart();
        await emulator.DisposeAsync();
        output.WriteLine($"Stop: {stopwatch.Elapsed.TotalMilliseconds:F0} ms");
        Assert.False(Directory.Exists(socketDirectory));
    }

    [Fact]
    public async Task Expired_token_is_refused_while_an_open_session_keeps_working()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var emulator = await LakebaseEmulator.StartAsync(new LakebaseEmulatorOptions { TimeProvider = clock }, Ct);
        var token = emulator.MintDatabaseToken().Token;
        await using var open = await Client.OpenAsync(emulator, token);

        clock.Advance(TimeSpan.FromMinutes(61));

        Assert.Equal("28P01", (await Client.LoginFailsAsync(emulator, token)).SqlState);
        Assert.Equal(1, await Client.ScalarAsync(open, "SELECT 1"));
        await using var fresh = await Client.OpenAsync(emulator, emulator.MintDatabaseToken().Token);
    }

    [Fact]
    public async Task Idle_compute_suspends_drops_sessions_and_the_next_connect_pays_a_cold_start()
    {
        var coldStart = TimeSpan.FromMilliseconds(800);
        await using var emulator = await LakebaseEmulator.StartAsync(
            // Idle 3 s, not 1: the woken session is used right after its connect, and a machine loaded by the whole
            // suite can stall a second between the two, long enough for a 1 s idle compute to suspend again (the
            // likely cause of one failure of this test under the full suite).
            new LakebaseEmulatorOptions { SuspendAfter = TimeSpan.FromSeconds(3), ColdStartDelay = coldStart }, Ct);
        var token = emulator.MintDatabaseToken().Token;
        await using var open = await Client.OpenAsync(emulator, token);
        Assert.Equal(1, await Client.ScalarAsync(open, "SELECT 1"));

        await Poll.UntilAsync(() => emulator.IsSuspended, TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        await Assert.ThrowsAnyAsync<global::Npgsql.NpgsqlException>(() => Client.ScalarAsync(open, "SELECT 1"));

        var stopwatch = Stopwatch.StartNew();
        await using (var woken = await Client.OpenAsync(emulator, token))
        {
            var wake = stopwatch.Elapsed;
            output.WriteLine($"Connect after suspend: {wake.TotalMilliseconds:F0} ms");
            Assert.True(wake >= coldStart - TimeSpan.FromMilliseconds(50), $"connect took only {wake}");
            Assert.False(emulator.IsSuspended);
            Assert.Equal(1, await Client.ScalarAsync(woken, "SELECT 1"));
        }

        stopwatch.Restart();
        await using var warm = await Client.OpenAsync(emulator, token);
        output.WriteLine($"Warm connect: {stopwatch.Elapsed.TotalMilliseconds:F0} ms");
    }

    [Fact]
    public async Task Suspend_and_restart_on_demand()
    {
        var coldStart = TimeSpan.FromMilliseconds(500);
        await using var emulator = await LakebaseEmulator.StartAsync(new LakebaseEmulatorOptions { ColdStartDelay = coldStart }, Ct);
        var token = emulator.MintDatabaseToken().Token;

        foreach (var stop in new Func<Task>[] { () => emulator.SuspendAsync(Ct), () => emulator.RestartComputeAsync(Ct) })
        {
            await using var open = await Client.OpenAsync(emulator, token);
            await stop();
            Assert.True(emulator.IsSuspended);
            await Assert.ThrowsAnyAsync<global::Npgsql.NpgsqlException>(() => Client.ScalarAsync(open, "SELECT 1"));

            var stopwatch = Stopwatch.StartNew();
            await using var woken = await Client.OpenAsync(emulator, token);
            Assert.True(stopwatch.Elapsed >= coldStart - TimeSpan.FromMilliseconds(50), $"connect took only {stopwatch.Elapsed}");
        }
    }

    [Fact]
    public async Task Persistent_data_directory_keeps_principals_roles_and_data()
    {
        var directory = Path.Combine("/tmp", "lbemu-test-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            EmulatedPrincipal first;
            await using (var emulator = await LakebaseEmulator.StartAsync(new LakebaseEmulatorOptions { DataDirectory = directory }, Ct))
            {
                first = emulator.DefaultPrincipal;
                await using var connection = await Client.OpenAsync(emulator, emulator.MintDatabaseToken().Token);
                await Client.ScalarAsync(connection, "CREATE TABLE kept (id int); INSERT INTO kept VALUES (42)");
            }

            var stopwatch = Stopwatch.StartNew();
            await using (var emulator = await LakebaseEmulator.StartAsync(new LakebaseEmulatorOptions { DataDirectory = directory }, Ct))
            {
                output.WriteLine($"Restart on an existing data directory: {stopwatch.Elapsed.TotalMilliseconds:F0} ms");
                Assert.Equal(first.ClientId, emulator.DefaultPrincipal.ClientId);
                Assert.Equal(first.ClientSecret, emulator.DefaultPrincipal.ClientSecret);
                using var http = new HttpClient();
                var token = await Client.MintViaApiAsync(http, emulator);
                await using var connection = await Client.OpenAsync(emulator, token);
                Assert.Equal(42, await Client.ScalarAsync(connection, "SELECT id FROM kept"));
            }
        }
        finally
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    [Fact]
    public async Task No_token_or_secret_reaches_the_logs()
    {
        using var logs = new CapturingLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        var principal = EmulatedPrincipal.CreateServicePrincipal();
        await using var emulator = await LakebaseEmulator.StartAsync(new LakebaseEmulatorOptions { LoggerFactory = loggerFactory, Principals = { principal } }, Ct);
        using var http = new HttpClient();
        var workspaceToken = await Client.GetWorkspaceTokenAsync(http, emulator);
        var token = await Client.MintViaApiAsync(http, emulator);
        await using (var connection = await Client.OpenAsync(emulator, token))
        {
            await Client.ScalarAsync(connection, "SELECT 1");
        }

        await Client.LoginFailsAsync(emulator, workspaceToken);
        await Client.RequestWorkspaceTokenAsync(http, emulator, principal.ClientId, "wrong-secret-value");

        Assert.NotEmpty(logs.Entries);
        var text = logs.AllText();
        SecretAssert.DoesNotLeak(text, ("database token", token), ("workspace token", workspaceToken), ("client secret", principal.ClientSecret), ("bad secret", "wrong-secret-value"));
        SecretAssert.DoesNotLeak(principal.ToString(), ("client secret", principal.ClientSecret));
        SecretAssert.DoesNotLeak(emulator.MintDatabaseToken().ToString(), ("database token", token));
    }
}
