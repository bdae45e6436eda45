using System.Net;
using System.Text;
using Lakebase.Emulator;
using Npgsql;

namespace Lakebase.Reliability.Tests;

/// <summary>
/// The emulator's server crash, driven as a script would drive it (the admin API), against a durable emulator: the
/// private PostgreSQL really goes down (a new postmaster start time), sessions from before it are gone, and every
/// commit the server acknowledged is there after WAL replay.
/// </summary>
public sealed class ServerCrashTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Crash_server_through_the_admin_api_drops_sessions_and_keeps_every_acknowledged_commit()
    {
        await using var emulator = await LakebaseEmulator.StartAsync(new LakebaseEmulatorOptions { DurableStorage = true }, Ct);
        var startedBefore = await PostmasterStartTimeAsync(emulator);
        await using var session = await OpenAsync(emulator);
        await ExecuteAsync(session, "CREATE TABLE crash_probe (n int PRIMARY KEY)");
        for (var n = 0; n < 200; n++)
        {
            await ExecuteAsync(session, $"INSERT INTO crash_probe VALUES ({n})"); // each one its own acknowledged commit
        }

        using var http = new HttpClient { BaseAddress = emulator.WorkspaceUrl };
        using var response = await http.PostAsync("/emulator/faults", new StringContent("""{"crash_server": true}""", Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        Assert.True(await PostmasterStartTimeAsync(emulator) > startedBefore, "the server was not restarted");
        await Assert.ThrowsAnyAsync<NpgsqlException>(() => ExecuteAsync(session, "SELECT 1")); // the old session died with it
        await using var after = await OpenAsync(emulator); // the front connects new sessions to the restarted server
        await using var count = new NpgsqlCommand("SELECT count(*) FROM crash_probe", after);
        Assert.Equal(200L, await count.ExecuteScalarAsync(Ct));
    }

    private static async Task<NpgsqlConnection> OpenAsync(LakebaseEmulator emulator)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(emulator.GetConnectionString())
        {
            Password = emulator.MintDatabaseToken().Token,
            Pooling = false,
        }.ConnectionString);
        await connection.OpenAsync(Ct);
        return connection;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(Ct);
    }

    private static async Task<DateTime> PostmasterStartTimeAsync(LakebaseEmulator emulator)
    {
        await using var admin = new NpgsqlConnection(emulator.AdminConnectionString);
        await admin.OpenAsync(Ct);
        await using var command = new NpgsqlCommand("SELECT pg_postmaster_start_time()", admin);
        return (DateTime)(await command.ExecuteScalarAsync(Ct))!;
    }
}
