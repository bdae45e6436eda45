using System.Net.Sockets;
using Lakebase.TestUtilities;
using Npgsql;

namespace Lakebase.Emulator.Tests;

/// <summary>
/// The read-only endpoint is a real hot standby streaming from the primary, reached on its own loopback address with
/// verified TLS and the same database token; its faults leave the primary alone.
/// </summary>
[Collection(ReadReplicaCollection.Name)]
public sealed class ReadReplicaTests(ReadReplicaFixture fixture)
{
    private static readonly TimeSpan ReplicationBound = TimeSpan.FromSeconds(15);

    private LakebaseEmulator Emulator => fixture.Emulator;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_row_written_on_the_primary_becomes_visible_on_the_replica()
    {
        var token = Emulator.MintDatabaseToken().Token;
        var table = await CreateTableWithRowAsync(token, "written on the primary");

        await using var replica = await fixture.OpenReplicaAsync(token);
        var seen = await Poll.UntilSucceedsAsync(() => ScalarAsync<string>(replica, $"SELECT note FROM {table}"), ReplicationBound, Ct);

        Assert.Equal("written on the primary", seen);
    }

    [Fact]
    public async Task The_replica_is_in_recovery_and_a_write_there_fails_with_25006()
    {
        var token = Emulator.MintDatabaseToken().Token;
        var table = await CreateTableWithRowAsync(token, "x");
        await using var primary = await Client.OpenAsync(Emulator, token);
        await using var replica = await fixture.OpenReplicaAsync(token);
        await Poll.UntilSucceedsAsync(() => ScalarAsync<string>(replica, $"SELECT note FROM {table}"), ReplicationBound, Ct);

        Assert.False(await ScalarAsync<bool>(primary, "SELECT pg_is_in_recovery()"));
        Assert.True(await ScalarAsync<bool>(replica, "SELECT pg_is_in_recovery()"));
        var refused = await Assert.ThrowsAsync<PostgresException>(() => ScalarAsync<int>(replica, $"INSERT INTO {table} VALUES ('y') RETURNING 1"));
        Assert.Equal(PostgresErrorCodes.ReadOnlySqlTransaction, refused.SqlState); // 25006
    }

    [Fact]
    public async Task Injected_lag_makes_a_read_on_the_replica_miss_a_fresh_write_until_it_is_cleared()
    {
        var token = Emulator.MintDatabaseToken().Token;
        var table = await CreateTableWithRowAsync(token, "before");
        await using var replica = await fixture.OpenReplicaAsync(token);
        await Poll.UntilSucceedsAsync(() => ScalarAsync<string>(replica, $"SELECT note FROM {table}"), ReplicationBound, Ct);

        await Emulator.Faults.ReadReplica.SetReplicationLagAsync(TimeSpan.FromMinutes(10), Ct);
        try
        {
            Assert.Equal(TimeSpan.FromMinutes(10), Emulator.Faults.ReadReplica.ReplicationLag);
            await using (var primary = await Client.OpenAsync(Emulator, token))
            {
                await ScalarAsync<int>(primary, $"INSERT INTO {table} VALUES ('fresh') RETURNING 1");
            }

            // The standby has the commit and holds it back: its replay waits on the delay, not on the network.
            await WaitForReplayHeldBackAsync();
            Assert.Equal(0L, await ScalarAsync<long>(replica, $"SELECT count(*) FROM {table} WHERE note = 'fresh'"));
        }
        finally
        {
            await Emulator.Faults.ReadReplica.ClearReplicationLagAsync(Ct);
        }

        Assert.Equal(TimeSpan.Zero, Emulator.Faults.ReadReplica.ReplicationLag);
        var fresh = await Poll.UntilSucceedsAsync(() => ScalarAsync<string>(replica, $"SELECT note FROM {table} WHERE note = 'fresh'"), ReplicationBound, Ct);
        Assert.Equal("fresh", fresh);
    }

    [Fact]
    public async Task A_stopped_replica_refuses_connections_while_the_primary_still_works()
    {
        var token = Emulator.MintDatabaseToken().Token;
        await using var openOnReplica = await fixture.OpenReplicaAsync(token);

        await Emulator.Faults.ReadReplica.StopAsync();
        try
        {
            Assert.True(Emulator.Faults.ReadReplica.IsStopped);
            await Assert.ThrowsAnyAsync<NpgsqlException>(() => ScalarAsync<int>(openOnReplica, "SELECT 1"));
            await using var refused = fixture.ReplicaConnection(token);
            var error = await Assert.ThrowsAnyAsync<NpgsqlException>(() => refused.OpenAsync(Ct));
            Assert.Equal(SocketError.ConnectionRefused, Assert.IsType<SocketException>(error.InnerException).SocketErrorCode);

            await using var primary = await Client.OpenAsync(Emulator, token);
            Assert.Equal(1, await ScalarAsync<int>(primary, "SELECT 1"));
        }
        finally
        {
            await Emulator.Faults.ReadReplica.StartAsync();
        }

        Assert.False(Emulator.Faults.ReadReplica.IsStopped);
        await using var again = await fixture.OpenReplicaAsync(token);
        Assert.True(await ScalarAsync<bool>(again, "SELECT pg_is_in_recovery()"));
    }

    [Fact]
    public async Task Suspending_the_replica_drops_its_sessions_only_and_it_wakes_on_the_next_connection()
    {
        var token = Emulator.MintDatabaseToken().Token;
        await using var onReplica = await fixture.OpenReplicaAsync(token);
        await using var onPrimary = await Client.OpenAsync(Emulator, token);

        Emulator.Faults.ReadReplica.Suspend();

        Assert.True(Emulator.Faults.ReadReplica.IsSuspended);
        Assert.False(Emulator.IsSuspended);
        await Assert.ThrowsAnyAsync<NpgsqlException>(() => ScalarAsync<int>(onReplica, "SELECT 1"));
        Assert.Equal(1, await ScalarAsync<int>(onPrimary, "SELECT 1"));

        await using var woken = await fixture.OpenReplicaAsync(token);
        Assert.True(await ScalarAsync<bool>(woken, "SELECT pg_is_in_recovery()"));
        Assert.False(Emulator.Faults.ReadReplica.IsSuspended);
    }

    [Fact]
    public async Task One_token_minted_once_through_the_api_logs_in_on_both_endpoints()
    {
        var principal = await Emulator.AddPrincipalAsync(EmulatedPrincipal.CreateServicePrincipal(), Ct);
        var token = await Client.MintViaApiAsync(fixture.Http, Emulator, principal);

        // The new role is already on the standby when AddPrincipalAsync returns; the same credential opens both.
        await using var replica = await fixture.OpenReplicaAsync(token, principal);
        await using var primary = await Client.OpenAsync(Emulator, token, principal);

        Assert.Equal(principal.ClientId, await ScalarAsync<string>(replica, "SELECT current_user"));
        Assert.True(await ScalarAsync<bool>(replica, "SELECT pg_is_in_recovery()"));
        Assert.Equal(principal.ClientId, await ScalarAsync<string>(primary, "SELECT current_user"));
        Assert.Equal(1, Emulator.Counters.CredentialsMintedFor(principal.ClientId));
    }

    [Fact]
    public void The_replica_has_its_own_loopback_address_on_the_primarys_port()
    {
        Assert.Equal("127.0.0.1", Emulator.Host);
        Assert.Equal("127.0.0.2", Emulator.ReadOnlyHost);
        Assert.Equal("projects/local/branches/main/endpoints/ep-local-replica", Emulator.ReadOnlyEndpointName);
        var builder = new NpgsqlConnectionStringBuilder(Emulator.GetReadOnlyConnectionString());
        Assert.Equal(("127.0.0.2", Emulator.Port, SslMode.VerifyFull), (builder.Host, builder.Port, builder.SslMode));
    }

    private async Task<string> CreateTableWithRowAsync(string token, string note)
    {
        var table = "replica_" + Guid.NewGuid().ToString("N")[..12];
        await using var primary = await Client.OpenAsync(Emulator, token);
        await using var command = new NpgsqlCommand($"CREATE TABLE {table} (note text); INSERT INTO {table} VALUES (@note)", primary);
        command.Parameters.AddWithValue("note", note);
        await command.ExecuteNonQueryAsync(Ct);
        return table;
    }

    /// <summary>Waits (bounded) until the standby's replay process is sleeping on <c>recovery_min_apply_delay</c>.</summary>
    private async Task WaitForReplayHeldBackAsync()
    {
        await using var admin = new NpgsqlConnection(Emulator.ReplicaAdminConnectionString);
        await admin.OpenAsync(Ct);
        await Poll.UntilSucceedsAsync(
            async () => await ScalarAsync<string>(admin, "SELECT wait_event FROM pg_stat_activity WHERE backend_type = 'startup'") is "RecoveryApplyDelay" ? true : throw new InvalidOperationException("replay is not held back yet"),
            ReplicationBound, Ct);
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync(Ct) is T value ? value : throw new InvalidOperationException($"no {typeof(T).Name} from: {sql}");
    }
}
