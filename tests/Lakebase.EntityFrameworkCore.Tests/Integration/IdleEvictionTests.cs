using Lakebase.EntityFrameworkCore.Infrastructure.Internal;
using Lakebase.Npgsql;
using Lakebase.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;

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
        var sessionsBefore = fixture.Emulator.Counters.LiveSessions;
        await RunConcurrentQueriesAsync(options, principal, connections: 3);
        Assert.Equal(sessionsBefore + 3, fixture.Emulator.Counters.LiveSessions); // MinPoolSize(3): Npgsql alone would keep them
        var dataSource = DataSourceOf(options);
        var evictionsBefore = Evictions();

        _clock.Advance(LakebaseDataSourceRegistration.IdleTimeout - TimeSpan.FromSeconds(1));
        Assert.True(Registry.IsLive(dataSource)); // not idle long enough yet

        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.False(Registry.IsLive(dataSource));
        Assert.Equal(evictionsBefore + 1, Evictions());
        await Poll.UntilAsync(() => fixture.Emulator.Counters.LiveSessions == sessionsBefore, cancellationToken: Ct); // the server's sessions ended

        // Options built before the eviction still work: new connections, the credential it kept (still valid, so no
        // new request), and the registry watches the data source again.
        await using (var db = new ProbeDb(options))
        {
            Assert.Equal(principal.ClientId, (await db.WhoAmIAsync(Ct)).User);
        }

        Assert.Equal(1, fixture.Emulator.Counters.CredentialsMintedFor(principal.ClientId));
        Assert.True(Registry.IsLive(dataSource));
        Assert.Same(dataSource, DataSourceOf(OptionsFor(principal))); // a new UseLakebase call gets it, not a second pool

        _clock.Advance(LakebaseDataSourceRegistration.IdleTimeout); // idle again: evicted again
        Assert.False(Registry.IsLive(dataSource));
        Assert.Equal(evictionsBefore + 2, Evictions());
    }

    [Fact]
    public async Task A_long_lived_context_that_keeps_opening_its_connection_keeps_its_data_source_live()
    {
        var principal = await fixture.NewPrincipalAsync();
        var options = OptionsFor(principal);
        var evictionsBefore = Evictions();
        await using var db = new ProbeDb(options); // one context: its DbConnection is created once, then opened per query
        for (var minute = 0; minute < 60; minute += 10)
        {
            Assert.Equal(principal.ClientId, (await db.WhoAmIAsync(Ct)).User);
            _clock.Advance(TimeSpan.FromMinutes(10));
        }

        Assert.True(Registry.IsLive(DataSourceOf(options)));
        Assert.Equal(evictionsBefore, Evictions());
    }

    public void Dispose() => fixture.AssertNoSecretsLogged();

    private DbContextOptions<ProbeDb> OptionsFor(Lakebase.Emulator.EmulatedPrincipal principal) =>
        new DbContextOptionsBuilder<ProbeDb>()
            .UseLoggerFactory(fixture.LoggerFactory)
            .UseLakebase(fixture.Emulator.EndpointName, fixture.OAuthFor(principal), lakebase => lakebase
                .Host(fixture.Emulator.Host).Port(fixture.Emulator.Port).RootCertificate(fixture.Emulator.CaCertificatePath)
                .MinPoolSize(3).ReadEnvironment(false).UseTimeProvider(_clock))
            .Options;

    private int Evictions() => fixture.Logs.Entries.Count(e => e.EventId.Name == "DataSourceEvicted");

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
