using System.Data.Common;
using Lakebase.Emulator;
using Lakebase.Npgsql;
using Lakebase.TestUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Lakebase.EntityFrameworkCore.Tests.Integration;

/// <summary>An emulator with a read replica (a real hot standby) for the EF Core read-side tests.</summary>
public sealed class ReadReplicaFixture : EmulatorFixtureBase
{
    protected override LakebaseEmulatorOptions CreateOptions() => new() { ReadReplica = true };

    /// <summary>A container with the data source (readable secondaries on), a read-write and a reporting context.</summary>
    public ServiceProvider Services(EmulatedPrincipal principal)
    {
        var services = new ServiceCollection().AddSingleton(LoggerFactory);
        services.AddLakebaseDataSource(Emulator.EndpointName, OAuthFor(principal), ds => ds
            .Port(Emulator.Port).RootCertificate(Emulator.CaCertificatePath).ReadEnvironment(false).ReadableSecondaries());
        services.AddDbContext<ProbeDb>(o => o.UseLakebase());
        services.AddDbContext<ReportsDb>(o => o.UseLakebase(l => l.TargetSession(TargetSessionAttributes.PreferStandby)));
        return services.BuildServiceProvider();
    }
}

/// <summary>A reporting context over the same model, bound to the read side.</summary>
public sealed class ReportsDb(DbContextOptions<ReportsDb> options) : DbContext(options)
{
    public DbSet<Note> Notes => Set<Note>();

    public Task<bool> InRecoveryAsync(CancellationToken cancellationToken) =>
        Database.SqlQueryRaw<bool>("SELECT pg_is_in_recovery() AS \"Value\"").SingleAsync(cancellationToken);
}

[CollectionDefinition(Name)]
public sealed class ReadReplicaCollection : ICollectionFixture<ReadReplicaFixture>
{
    public const string Name = "Lakebase emulator with a read replica";
}

/// <summary>
/// A context bound to Lakebase's read-only hosts in one line: its queries run on the standby, and writes and
/// migrations through it are refused with the fix before anything is sent; the read-write context is unaffected.
/// </summary>
[Collection(ReadReplicaCollection.Name)]
public sealed class ReadOnlyContextTests(ReadReplicaFixture fixture) : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_reporting_context_reads_from_the_standby_and_sees_rows_written_through_the_read_write_context()
    {
        var principal = await fixture.NewPrincipalAsync();
        await using var provider = fixture.Services(principal);
        var text = "note " + Guid.NewGuid().ToString("N");
        await using (var scope = provider.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ProbeDb>();
            await db.Database.EnsureCreatedAsync(Ct);
            db.Notes.Add(new Note { Text = text });
            await db.SaveChangesAsync(Ct);
        }

        await using var reports = provider.CreateAsyncScope();
        var reportsDb = reports.ServiceProvider.GetRequiredService<ReportsDb>();
        Assert.True(await reportsDb.InRecoveryAsync(Ct));
        var found = await Poll.UntilSucceedsAsync(
            async () => await reportsDb.Notes.AsNoTracking().AnyAsync(n => n.Text == text, Ct) ? true : throw new InvalidOperationException("not replayed yet"),
            cancellationToken: Ct);
        Assert.True(found);
        Assert.Equal(1, fixture.Emulator.Counters.CredentialsMintedFor(principal.ClientId)); // one credential for both sides
    }

    [Fact]
    public async Task Save_changes_and_migrations_through_the_reporting_context_are_refused_with_the_fix()
    {
        var principal = await fixture.NewPrincipalAsync();
        await using var provider = fixture.Services(principal);
        await using var scope = provider.CreateAsyncScope();
        var reportsDb = scope.ServiceProvider.GetRequiredService<ReportsDb>();

        reportsDb.Notes.Add(new Note { Text = "never written" });
        var save = await Assert.ThrowsAsync<InvalidOperationException>(() => reportsDb.SaveChangesAsync(Ct));
        Assert.Contains("ReportsDb is read-only", save.Message, StringComparison.Ordinal);
        Assert.Contains("without TargetSession", save.Message, StringComparison.Ordinal);

        var migrate = await Assert.ThrowsAsync<InvalidOperationException>(() => reportsDb.Database.MigrateAsync(Ct));
        Assert.Contains("migrations always run on the primary", migrate.Message, StringComparison.Ordinal);

        // The read-write context of the same container is not affected.
        var db = scope.ServiceProvider.GetRequiredService<ProbeDb>();
        Assert.Equal(principal.ClientId, (await db.WhoAmIAsync(Ct)).User);
    }

    [Fact]
    public async Task Raw_sql_writes_through_the_reporting_context_fail_with_the_fix_even_when_it_falls_back_to_the_primary()
    {
        var principal = await fixture.NewPrincipalAsync();
        await using var provider = fixture.Services(principal);
        await using var scope = provider.CreateAsyncScope();
        var reportsDb = scope.ServiceProvider.GetRequiredService<ReportsDb>();
        var onStandby = await Assert.ThrowsAsync<InvalidOperationException>(() => reportsDb.Database.ExecuteSqlRawAsync("create table never_created (id int)", Ct));
        Assert.Contains("ReportsDb is read-only", onStandby.Message, StringComparison.Ordinal);

        // The replica down: PreferStandby falls back to the primary, where the context must still not write.
        await fixture.Emulator.Faults.ReadReplica.StopAsync();
        try
        {
            await using var fallbackScope = provider.CreateAsyncScope();
            var fallback = fallbackScope.ServiceProvider.GetRequiredService<ReportsDb>();
            Assert.False(await fallback.InRecoveryAsync(Ct)); // on the primary
            var onPrimary = await Assert.ThrowsAsync<InvalidOperationException>(() => fallback.Database.ExecuteSqlRawAsync("create table never_created (id int)", Ct));
            Assert.Contains("ReportsDb is read-only", onPrimary.Message, StringComparison.Ordinal);
        }
        finally
        {
            await fixture.Emulator.Faults.ReadReplica.StartAsync();
        }

        // The read-write context on the same pool is not left read-only. A temporary table, because a read-only
        // session refuses every CREATE, and a permanent one would make EnsureCreated in another test of this
        // database skip creating its model (it only creates tables in a database that has none).
        var db = scope.ServiceProvider.GetRequiredService<ProbeDb>();
        await db.Database.ExecuteSqlRawAsync("create temporary table written_by_the_primary (id int)", Ct);
    }

    [Fact]
    public async Task A_replica_restarted_under_a_pooled_read_connection_costs_a_retry_not_an_error()
    {
        var principal = await fixture.NewPrincipalAsync();
        await using var provider = fixture.Services(principal);
        await using (var scope = provider.CreateAsyncScope())
        {
            Assert.True(await scope.ServiceProvider.GetRequiredService<ReportsDb>().InRecoveryAsync(Ct)); // a pooled session on the standby
        }

        fixture.Emulator.Faults.ReadReplica.Restart(); // its sessions drop, as when a replica compute restarts

        await using (var scope = provider.CreateAsyncScope())
        {
            // The pooled connection is dead; the retrying execution strategy opens another and the read succeeds: on the
            // standby, or on the primary while the standby is still coming back (PreferStandby's fallback).
            await scope.ServiceProvider.GetRequiredService<ReportsDb>().InRecoveryAsync(Ct);
        }

        // Once the replica answers again (Npgsql rechecks an offline host after 2 s), reads are back on it.
        await Poll.UntilSucceedsAsync(
            async () =>
            {
                await using var scope = provider.CreateAsyncScope();
                return await scope.ServiceProvider.GetRequiredService<ReportsDb>().InRecoveryAsync(Ct) ? true : throw new InvalidOperationException("still on the primary");
            },
            TimeSpan.FromSeconds(15),
            Ct);
    }

    [Fact]
    public async Task The_container_registers_the_read_view_for_dapper_style_ado_net()
    {
        var principal = await fixture.NewPrincipalAsync();
        await using var provider = fixture.Services(principal);
        var reads = provider.GetRequiredKeyedService<DbDataSource>(LakebaseDataSource.ReadOnlyServiceKey);

        await using var connection = await reads.OpenConnectionAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "select pg_is_in_recovery()";
        Assert.True((bool)(await command.ExecuteScalarAsync(Ct))!);
    }

    public void Dispose() => fixture.AssertNoSecretsLogged();
}
