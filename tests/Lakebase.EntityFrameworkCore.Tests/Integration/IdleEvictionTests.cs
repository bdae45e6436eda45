using Lakebase.EntityFrameworkCore.Infrastructure.Internal;
using Lakebase.Npgsql;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Lakebase.EntityFrameworkCore.Tests.Integration;

/// <summary>
/// The data sources <c>UseLakebase(endpoint, oauth)</c> builds without a container are evicted when idle: their
/// connections, credential and timer are released, yet options that still hold them keep working. The idle time passes
/// on a fake clock; the connections, logins and credentials are real.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class IdleEvictionTests(EmulatorFixture fixture) : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);

    [Fact]
    public async Task An_idle_data_source_closes_its_connections_and_drops_its_credential_and_the_options_holding_it_still_work()
    {
        var principal = await fixture.NewPrincipalAsync();
        var options = OptionsFor(principal); // long-lived, as in AddDbContextFactory or a console app
        var sessionsBefore = fixture.Emulator.Counters.LiveSessions;
        await RunConcurrentQueriesAsync(options, principal, connections: 3);
        Assert.Equal(sessionsBefore + 3, fixture.Emulator.Counters.LiveSessions); // three pooled connections stay open
        var dataSource = DataSourceOf(options);
        var registered = LakebaseDataSourceRegistry.Shared.Count;
        var evictionsBefore = Evictions();

        _clock.Advance(LakebaseDataSourceRegistration.IdleTimeout - TimeSpan.FromSeconds(1));
        Assert.Equal(registered, LakebaseDataSourceRegistry.Shared.Count); // not idle long enough yet

        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(registered - 1, LakebaseDataSourceRegistry.Shared.Count);
        await WaitUntil(() => fixture.Emulator.Counters.LiveSessions == sessionsBefore); // the pool's sessions were closed
        Assert.Equal(LakebaseCredentialState.NotRequested, dataSource.GetCredentialStatus().State); // the token is gone from memory
        Assert.Equal(evictionsBefore + 1, Evictions());

        // The options built before the eviction still work: a new credential, new connections, the same data source,
        // held by the registry again (a new UseLakebase call gets it, not a second pool).
        await using (var db = new ProbeDb(options))
        {
            Assert.Equal(principal.ClientId, (await db.WhoAmIAsync(Ct)).User);
        }

        Assert.Equal(2, fixture.Emulator.Counters.CredentialsMintedFor(principal.ClientId));
        Assert.Equal(registered, LakebaseDataSourceRegistry.Shared.Count);
        Assert.Same(dataSource, DataSourceOf(OptionsFor(principal)));
    }

    [Fact]
    public async Task A_data_source_in_use_is_not_evicted()
    {
        var principal = await fixture.NewPrincipalAsync();
        var options = OptionsFor(principal);
        var registered = 0;
        var evictionsBefore = Evictions();
        for (var minute = 0; minute < 40; minute += 5)
        {
            await using var db = new ProbeDb(options);
            Assert.Equal(principal.ClientId, (await db.WhoAmIAsync(Ct)).User);
            registered = LakebaseDataSourceRegistry.Shared.Count;
            _clock.Advance(TimeSpan.FromMinutes(5));
        }

        Assert.Equal(registered, LakebaseDataSourceRegistry.Shared.Count);
        Assert.Equal(evictionsBefore, Evictions());
        Assert.Equal(LakebaseCredentialState.Valid, DataSourceOf(options).GetCredentialStatus().State);
    }

    public void Dispose() => fixture.AssertNoSecretsLogged();

    private DbContextOptions<ProbeDb> OptionsFor(Lakebase.Emulator.EmulatedPrincipal principal) =>
        new DbContextOptionsBuilder<ProbeDb>()
            .UseLoggerFactory(fixture.LoggerFactory)
            .UseLakebase(fixture.Emulator.EndpointName, fixture.OAuthFor(principal), lakebase => lakebase
                .Host(fixture.Emulator.Host).Port(fixture.Emulator.Port).RootCertificate(fixture.Emulator.CaCertificatePath)
                .ReadEnvironment(false).UseTimeProvider(_clock))
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

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (var i = 0; i < 100 && !condition(); i++)
        {
            await Task.Delay(50, Ct);
        }

        Assert.True(condition(), "condition not reached within 5 s");
    }
}
