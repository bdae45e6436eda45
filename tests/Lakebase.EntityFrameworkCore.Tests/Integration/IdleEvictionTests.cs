using Lakebase.EntityFrameworkCore.Infrastructure.Internal;
using Lakebase.Npgsql;
using Lakebase.TestUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Lakebase.EntityFrameworkCore.Tests.Integration;

/// <summary>
/// The data sources <c>UseLakebase(endpoint, oauth)</c> builds without a container are evicted when idle: their pooled
/// connections are closed (so the compute can suspend) while options that still hold them keep working. The idle time
/// passes on a fake clock; the connections, sessions, logins and credentials are real.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class IdleEvictionTests(EmulatorFixture fixture) : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static LakebaseDataSourceRegistry Registry => LakebaseDataSourceRegistry.Shared;

    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);

    [Fact]
    public async Task An_idle_data_source_closes_its_pooled_connections_even_above_min_pool_size_and_reconnects_on_next_use()
    {
        var principal = await fixture.NewPrincipalAsync();
        var options = OptionsFor(principal); // long-lived, as in AddDbContextFactory or a console app
        await RunConcurrentQueriesAsync(options, principal, connections: 3);
        Assert.Equal(3, await ServerSessionsOfAsync(principal)); // MinPoolSize(3): Npgsql alone would keep them
        var dataSource = DataSourceOf(options);

        Assert.Equal(0, EvictionsDuring(() => _clock.Advance(LakebaseDataSourceRegistration.IdleTimeout - TimeSpan.FromSeconds(1))));
        Assert.True(Registry.IsLive(dataSource)); // not idle long enough yet

        Assert.Equal(1, EvictionsDuring(() => _clock.Advance(TimeSpan.FromSeconds(1))));
        Assert.False(Registry.IsLive(dataSource));
        await UntilServerSessionsOfAsync(principal, 0); // the server's sessions ended

        // Options built before the eviction still work: new connections, the credential it kept (still valid, so no
        // new request), and the registry watches the data source again.
        await using (var db = new ProbeDb(options))
        {
            Assert.Equal(principal.ClientId, (await db.WhoAmIAsync(Ct)).User);
        }

        Assert.Equal(1, fixture.Emulator.Counters.CredentialsMintedFor(principal.ClientId));
        Assert.True(Registry.IsLive(dataSource));
        Assert.Same(dataSource, DataSourceOf(OptionsFor(principal))); // a new UseLakebase call gets it, not a second pool

        Assert.Equal(1, EvictionsDuring(() => _clock.Advance(LakebaseDataSourceRegistration.IdleTimeout))); // idle again: evicted again
        Assert.False(Registry.IsLive(dataSource));
    }

    [Fact]
    public async Task A_long_lived_context_that_keeps_opening_its_connection_keeps_its_data_source_live()
    {
        var principal = await fixture.NewPrincipalAsync();
        var options = OptionsFor(principal);
        var evictions = 0;
        await using var db = new ProbeDb(options); // one context: its DbConnection is created once, then opened per query
        for (var minute = 0; minute < 60; minute += 10)
        {
            Assert.Equal(principal.ClientId, (await db.WhoAmIAsync(Ct)).User);
            evictions += EvictionsDuring(() => _clock.Advance(TimeSpan.FromMinutes(10)));
        }

        Assert.True(Registry.IsLive(DataSourceOf(options)));
        Assert.Equal(0, evictions);
    }

    public void Dispose() => fixture.AssertNoSecretsLogged();

    private DbContextOptions<ProbeDb> OptionsFor(Lakebase.Emulator.EmulatedPrincipal principal) =>
        new DbContextOptionsBuilder<ProbeDb>()
            .UseLoggerFactory(fixture.LoggerFactory)
            .UseLakebase(fixture.Emulator.EndpointName, fixture.OAuthFor(principal), lakebase => lakebase
                .Host(fixture.Emulator.Host).Port(fixture.Emulator.Port).RootCertificate(fixture.Emulator.CaCertificatePath)
                .MinPoolSize(3).ReadEnvironment(false).UseTimeProvider(_clock))
            .Options;

    // Evictions on this test's clock happen inside Advance. Counted around it, not in the whole capture: data sources
    // other tests left on the real clock are evicted on their own after 15 idle minutes, which a long run reaches.
    private int EvictionsDuring(Action advance)
    {
        var before = Evictions();
        advance();
        return Evictions() - before;
    }

    private int Evictions() => fixture.Logs.Entries.Count(e => e.EventId.Name == "DataSourceEvicted");

    // The server's own count, for this principal only: LiveSessions also counts other tests' pooled connections, which
    // Npgsql prunes on its own timers.
    private static async Task<long> ServerSessionsOfAsync(EmulatorFixture fixture, Lakebase.Emulator.EmulatedPrincipal principal)
    {
        await using var connection = new NpgsqlConnection(fixture.Emulator.AdminConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE usename = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = principal.ClientId });
        return (long)(await command.ExecuteScalarAsync(Ct))!;
    }

    private Task<long> ServerSessionsOfAsync(Lakebase.Emulator.EmulatedPrincipal principal) => ServerSessionsOfAsync(fixture, principal);

    // A closed connection's server process ends a moment after the client lets go.
    private Task UntilServerSessionsOfAsync(Lakebase.Emulator.EmulatedPrincipal principal, long expected) =>
        Poll.UntilSucceedsAsync(
            async () =>
            {
                Assert.Equal(expected, await ServerSessionsOfAsync(principal));
                return true;
            },
            cancellationToken: Ct);

    private static LakebaseDataSource DataSourceOf(DbContextOptions options) =>
        options.FindExtension<LakebaseOptionsExtension>()!.DataSource;

    private static async Task RunConcurrentQueriesAsync(DbContextOptions<ProbeDb> options, Lakebase.Emulator.EmulatedPrincipal principal, int connections)
    {
        var contexts = Enumerable.Range(0, connections).Select(_ => new ProbeDb(options)).ToList();
        foreach (var db in contexts)
        {
            await db.Database.OpenConnectionAsync(Ct); // all open at once: that many physical connections
            Assert.Equal(principal.ClientId, (await db.WhoAmIAsync(Ct)).User);
        }

        foreach (var db in contexts)
        {
            await db.DisposeAsync();
        }
    }
}
