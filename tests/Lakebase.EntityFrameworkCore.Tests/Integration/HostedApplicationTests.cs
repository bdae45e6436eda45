using Microsoft.EntityFrameworkCore.Infrastructure;
using Lakebase.EntityFrameworkCore.Infrastructure.Internal;
using Lakebase.Npgsql.Configuration;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Lakebase.EntityFrameworkCore.Tests.Integration;

/// <summary>The one-liner in a real host: AddDbContext + UseLakebase, the app's logging, disposal with the host.</summary>
[Collection(EmulatorCollection.Name)]
public sealed class HostedApplicationTests(EmulatorFixture fixture) : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Add_db_context_with_use_lakebase_shares_one_data_source_logs_through_the_app_and_is_disposed_with_the_host()
    {
        var principal = await fixture.NewPrincipalAsync();
        var oauth = fixture.OAuthFor(principal);
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders().AddProvider(fixture.Logs).SetMinimumLevel(LogLevel.Debug);
        builder.Services.AddDbContext<ProbeDb>(o => o.UseLakebase(fixture.Emulator.EndpointName, oauth, lb => lb.Host(fixture.Emulator.Host).Port(fixture.Emulator.Port).RootCertificate(fixture.Emulator.CaCertificatePath).ReadEnvironment(false)));
        using var host = builder.Build();
        await host.StartAsync(Ct);

        global::Npgsql.NpgsqlDataSource? first = null;
        for (var request = 0; request < 5; request++)
        {
            await using var scope = host.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ProbeDb>();
            Assert.Equal(principal.ClientId, (await db.WhoAmIAsync(Ct)).User);
            var dataSource = db.GetService<IDbContextOptions>().FindExtension<LakebaseOptionsExtension>()!.DataSource.NpgsqlDataSource;
            first ??= dataSource;
            Assert.Same(first, dataSource); // every scope shares the same pool and credential
        }

        Assert.Equal(1, fixture.Emulator.Counters.CredentialsMintedFor(principal.ClientId));
        Assert.Contains(fixture.Logs.Entries, e => e.Category == "Lakebase" && e.EventId.Name == "CredentialRefreshed"); // the app's own logger saw it

        var registry = LakebaseDataSourceRegistry.Shared;
        await using (var scope = host.Services.CreateAsyncScope())
        {
            var owner = scope.ServiceProvider.GetRequiredService<ProbeDb>().GetService<IDbContextOptions>().FindExtension<LakebaseOptionsExtension>()!.DataSource;
            Assert.True(registry.IsLive(owner));
            await host.StopAsync(Ct);
            Assert.False(registry.IsLive(owner)); // the registry let go of it with the host
        }

        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await first!.OpenConnectionAsync(Ct));
    }

    public void Dispose() => fixture.AssertNoSecretsLogged();
}
