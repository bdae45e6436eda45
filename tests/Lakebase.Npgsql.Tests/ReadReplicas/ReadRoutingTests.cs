using System.Data.Common;
using Lakebase.TestUtilities;
using Npgsql;

namespace Lakebase.Npgsql.Tests.ReadReplicas;

/// <summary>
/// Reads routed to the emulator's real hot standby through <see cref="LakebaseDataSource.WithTargetSession"/>: one
/// credential and one pool for both sides, hosts found on the first open, and the failure behaviour the README promises.
/// </summary>
[Collection(ReadReplicaCollection.Name)]
public sealed class ReadRoutingTests(ReadReplicaEmulatorFixture fixture) : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Readable_secondaries_are_found_on_the_first_open_and_reads_land_on_the_standby()
    {
        var principal = await fixture.NewPrincipalAsync();
        var requestsBefore = fixture.Emulator.Counters.CredentialRequests;
        await using var dataSource = fixture.Builder(principal).ReadableSecondaries().Build();
        var reads = dataSource.WithTargetSession(TargetSessionAttributes.ReadOnly);
        Assert.Equal(requestsBefore, fixture.Emulator.Counters.CredentialRequests); // nothing asked while configuring

        Assert.True(await InRecoveryAsync(reads));
        Assert.False(await InRecoveryAsync(dataSource)); // plain connections stay on the primary
        Assert.Contains(fixture.Emulator.ReadOnlyHost, dataSource.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_named_read_only_endpoint_serves_reads_and_one_credential_serves_both_sides()
    {
        var principal = await fixture.NewPrincipalAsync();
        await using var dataSource = fixture.Builder(principal).Host(fixture.Emulator.Host).ReadOnlyEndpoint(fixture.Emulator.ReadOnlyEndpointName).Build();

        Assert.True(await InRecoveryAsync(dataSource.WithTargetSession(TargetSessionAttributes.Standby)));
        Assert.False(await InRecoveryAsync(dataSource.WithTargetSession(TargetSessionAttributes.Primary)));
        Assert.Equal(1, fixture.Emulator.Counters.CredentialsMintedFor(principal.ClientId));
    }

    [Fact]
    public async Task A_row_written_on_the_primary_becomes_visible_through_the_read_view_and_writes_there_fail_read_only()
    {
        var principal = await fixture.NewPrincipalAsync();
        await using var dataSource = fixture.Builder(principal).ReadableSecondaries().Build();
        var table = await CreateTableAsync(dataSource);
        await ExecuteAsync(dataSource, $"insert into {table} values (1)");

        var reads = dataSource.WithTargetSession(TargetSessionAttributes.PreferStandby);
        await Poll.UntilSucceedsAsync(async () => await CountAsync(reads, table) == 1 ? true : throw new InvalidOperationException("not replayed yet"), cancellationToken: Ct);
        Assert.True(await InRecoveryAsync(reads));

        var error = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(reads, $"insert into {table} values (2)"));
        Assert.Equal(PostgresErrorCodes.ReadOnlySqlTransaction, error.SqlState);
    }

    [Fact]
    public async Task With_replication_lag_a_read_misses_a_fresh_write_which_proves_reads_go_to_the_replica()
    {
        var principal = await fixture.NewPrincipalAsync();
        await using var dataSource = fixture.Builder(principal).ReadableSecondaries().Build();
        var table = await CreateTableAsync(dataSource);
        var reads = dataSource.WithTargetSession(TargetSessionAttributes.ReadOnly);
        await Poll.UntilSucceedsAsync(() => CountAsync(reads, table), cancellationToken: Ct); // the table itself has replayed

        await fixture.Emulator.Faults.ReadReplica.SetReplicationLagAsync(TimeSpan.FromMinutes(5), Ct);
        try
        {
            await ExecuteAsync(dataSource, $"insert into {table} values (1)");
            Assert.Equal(1, await CountAsync(dataSource, table));
            Assert.Equal(0, await CountAsync(reads, table));
        }
        finally
        {
            await fixture.Emulator.Faults.ReadReplica.ClearReplicationLagAsync(Ct);
        }

        await Poll.UntilSucceedsAsync(async () => await CountAsync(reads, table) == 1 ? true : throw new InvalidOperationException("not replayed yet"), cancellationToken: Ct);
    }

    [Fact]
    public async Task With_the_replica_stopped_prefer_standby_answers_from_the_primary_and_read_only_fails_clearly()
    {
        var principal = await fixture.NewPrincipalAsync();
        await using var dataSource = fixture.Builder(principal).ReadableSecondaries().ConnectTimeout(TimeSpan.FromSeconds(5)).Build();
        Assert.True(await InRecoveryAsync(dataSource.WithTargetSession(TargetSessionAttributes.PreferStandby)));

        await fixture.Emulator.Faults.ReadReplica.StopAsync();
        try
        {
            NpgsqlConnection.ClearAllPools();
            dataSource.ClearPool();
            Assert.False(await InRecoveryAsync(dataSource.WithTargetSession(TargetSessionAttributes.PreferStandby)));
            var error = await Assert.ThrowsAnyAsync<NpgsqlException>(() => InRecoveryAsync(dataSource.WithTargetSession(TargetSessionAttributes.ReadOnly)));
            Assert.Contains("suitable host", error.Message, StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            await fixture.Emulator.Faults.ReadReplica.StartAsync();
        }
    }

    [Fact]
    public async Task A_revocation_forces_one_refresh_of_the_shared_credential_and_both_sides_recover()
    {
        var principal = await fixture.NewPrincipalAsync();
        await using var dataSource = fixture.Builder(principal).ReadableSecondaries().Build();
        var reads = dataSource.WithTargetSession(TargetSessionAttributes.ReadOnly);
        Assert.True(await InRecoveryAsync(reads));
        Assert.Equal(1, fixture.Emulator.Counters.CredentialsMintedFor(principal.ClientId));

        fixture.Emulator.RevokeAllTokens();
        dataSource.ClearPool(); // new physical connections, so the revoked token is presented again

        Assert.True(await InRecoveryAsync(reads)); // rejected on the replica: one forced refresh, one retry
        Assert.False(await InRecoveryAsync(dataSource));
        Assert.Equal(2, fixture.Emulator.Counters.CredentialsMintedFor(principal.ClientId));
    }

    [Fact]
    public async Task Read_only_hosts_asked_for_without_read_routing_are_a_configuration_error_at_once()
    {
        var principal = await fixture.NewPrincipalAsync();
        await using var dataSource = fixture.Builder(principal).Host(fixture.Emulator.Host).Build();

        var error = Assert.Throws<LakebaseConfigurationException>(() => dataSource.WithTargetSession(TargetSessionAttributes.ReadOnly));
        Assert.Contains("ReadableSecondaries", error.Message, StringComparison.Ordinal);
        Assert.False(await InRecoveryAsync(dataSource.WithTargetSession(TargetSessionAttributes.PreferStandby))); // the primary, as promised
    }

    [Fact]
    public async Task The_health_check_reports_the_read_side_and_is_degraded_while_no_read_only_host_answers()
    {
        var principal = await fixture.NewPrincipalAsync();
        await using var dataSource = fixture.Builder(principal).ReadableSecondaries().ConnectTimeout(TimeSpan.FromSeconds(5)).Build();
        var health = new Lakebase.Npgsql.Health.LakebaseHealthCheck(() => dataSource, probe: true);
        var context = new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckContext
        {
            Registration = new("lakebase", health, Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Unhealthy, null),
        };

        var healthy = await health.CheckHealthAsync(context, Ct);
        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy, healthy.Status);
        Assert.Equal("up", healthy.Data["read_only"]);
        Assert.Equal(fixture.Emulator.ReadOnlyHost, healthy.Data["read_only_hosts"]);

        await fixture.Emulator.Faults.ReadReplica.StopAsync();
        try
        {
            dataSource.ClearPool();
            var degraded = await health.CheckHealthAsync(context, Ct);
            Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Degraded, degraded.Status);
            Assert.StartsWith("down:", (string)degraded.Data["read_only"], StringComparison.Ordinal);
        }
        finally
        {
            await fixture.Emulator.Faults.ReadReplica.StartAsync();
        }
    }

    public void Dispose() => fixture.AssertNoSecretsLogged();

    private static async Task<bool> InRecoveryAsync(DbDataSource dataSource)
    {
        await using var connection = await dataSource.OpenConnectionAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "select pg_is_in_recovery()";
        return (bool)(await command.ExecuteScalarAsync(Ct))!;
    }

    private static async Task<long> CountAsync(DbDataSource dataSource, string table)
    {
        await using var connection = await dataSource.OpenConnectionAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = $"select count(*) from {table}";
        return (long)(await command.ExecuteScalarAsync(Ct))!;
    }

    private static async Task ExecuteAsync(DbDataSource dataSource, string sql)
    {
        await using var connection = await dataSource.OpenConnectionAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(Ct);
    }

    private static async Task<string> CreateTableAsync(DbDataSource dataSource)
    {
        var table = "replica_" + Guid.NewGuid().ToString("N")[..12];
        await ExecuteAsync(dataSource, $"create table {table} (id int)");
        return table;
    }
}
