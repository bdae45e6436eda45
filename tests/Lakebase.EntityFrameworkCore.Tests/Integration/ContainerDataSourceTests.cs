using Lakebase.EntityFrameworkCore.Connection;
using Lakebase.TestUtilities;
using System.Transactions;
using Lakebase.EntityFrameworkCore.Infrastructure.Internal;
using Lakebase.Npgsql;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Lakebase.EntityFrameworkCore.Tests.Integration;

/// <summary>
/// EF Core on the container's data source (AddLakebaseDataSource + UseLakebase()), contexts configured more than once,
/// contexts built while the workspace API is down, and transactions the application begins itself.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class ContainerDataSourceTests(EmulatorFixture fixture) : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // The outage's failures are remembered (workspace token and credential each, full jitter, doubling per failure in
    // a row): a few of them can add up to several seconds before the next open asks again.
    private static readonly TimeSpan RecoveryTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Contexts_from_add_db_context_use_the_containers_data_source_and_share_one_credential()
    {
        var principal = await fixture.NewPrincipalAsync();
        await using var provider = Services(principal).BuildServiceProvider();

        for (var request = 0; request < 20; request++)
        {
            await using var scope = provider.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ProbeDb>();
            Assert.Equal(principal.ClientId, (await db.WhoAmIAsync(Ct)).User);
            Assert.Same(provider.GetRequiredService<LakebaseDataSource>(), db.GetService<IDbContextOptions>().FindExtension<LakebaseOptionsExtension>()!.DataSource);
        }

        Assert.Equal(1, fixture.Emulator.Counters.CredentialsMintedFor(principal.ClientId));
    }

    [Fact]
    public async Task A_context_built_while_the_api_is_down_reports_its_credential_and_connects_once_the_api_is_back()
    {
        var principal = await fixture.NewPrincipalAsync();
        fixture.Emulator.Faults.StartOutage();
        await using var provider = Services(principal).BuildServiceProvider();
        await using var scope = provider.CreateAsyncScope();

        // Building options and the context makes no network call, so neither fails while the API is down.
        var db = scope.ServiceProvider.GetRequiredService<ProbeDb>();
        Assert.Equal(LakebaseCredentialState.NotRequested, db.Database.GetLakebaseCredentialStatus()!.State);

        var error = await Assert.ThrowsAsync<LakebaseCredentialException>(() => db.WhoAmIAsync(Ct));
        Assert.True(error.IsTransient);

        // The failure is remembered for a short, jittered backoff (no request storm while the API is down); after it the
        // next open asks again and connects.
        fixture.Emulator.Faults.EndOutage();
        var user = await Poll.UntilSucceedsAsync(
            async () =>
            {
                await using var retryScope = provider.CreateAsyncScope();
                return (await retryScope.ServiceProvider.GetRequiredService<ProbeDb>().WhoAmIAsync(Ct)).User;
            },
            RecoveryTimeout,
            Ct);
        Assert.Equal(principal.ClientId, user);
    }

    [Fact]
    public async Task Use_lakebase_twice_each_context_refreshes_its_own_credential_after_a_revocation()
    {
        var first = await fixture.NewPrincipalAsync();
        var second = await fixture.NewPrincipalAsync();

        // As EF 9's ConfigureDbContext or a test override does: the later configuration wins, interceptor included.
        DbContextOptions<ProbeDb> Options(params Lakebase.Emulator.EmulatedPrincipal[] principals)
        {
            var builder = new DbContextOptionsBuilder<ProbeDb>().UseLoggerFactory(fixture.LoggerFactory);
            foreach (var principal in principals)
            {
                builder.UseLakebase(fixture.Emulator.EndpointName, fixture.OAuthFor(principal), lb => lb
                    .Host(fixture.Emulator.Host).Port(fixture.Emulator.Port).RootCertificate(fixture.Emulator.CaCertificatePath).ReadEnvironment(false));
            }

            return builder.Options;
        }

        var overridden = Options(first, second);
        var plain = Options(first);
        await using (var db = new ProbeDb(overridden))
        {
            // The retry is the connection's own (UseLakebase's options extension registers it in EF Core's internal
            // services), and no interceptor is left to retry a second time.
            var interceptors = db.GetService<IEnumerable<Microsoft.EntityFrameworkCore.Diagnostics.IInterceptor>>()
                .Concat(overridden.GetExtension<CoreOptionsExtension>().Interceptors ?? []);
            Assert.DoesNotContain(interceptors, i => i is Connection.LakebaseAuthenticationRetryInterceptor);
            Assert.IsType<Connection.LakebaseRelationalConnection>(db.GetService<Microsoft.EntityFrameworkCore.Storage.IRelationalConnection>());
            Assert.Equal(second.ClientId, (await db.WhoAmIAsync(Ct)).User);
        }

        await using (var db = new ProbeDb(plain))
        {
            Assert.Equal(first.ClientId, (await db.WhoAmIAsync(Ct)).User);
        }

        fixture.Emulator.RevokeAllTokens();
        NpgsqlConnection.ClearAllPools();
        foreach (var dataSource in new[] { overridden, plain }.Select(o => o.FindExtension<LakebaseOptionsExtension>()!.DataSource))
        {
            dataSource.NpgsqlDataSource.Clear();
        }

        await using (var db = new ProbeDb(overridden))
        {
            Assert.Equal(second.ClientId, (await db.WhoAmIAsync(Ct)).User);
        }

        // The overridden context's rejection replaced the second principal's credential only.
        Assert.Equal((1, 2), (fixture.Emulator.Counters.CredentialsMintedFor(first.ClientId), fixture.Emulator.Counters.CredentialsMintedFor(second.ClientId)));

        await using (var db = new ProbeDb(plain))
        {
            Assert.Equal(first.ClientId, (await db.WhoAmIAsync(Ct)).User);
        }

        Assert.Equal((2, 2), (fixture.Emulator.Counters.CredentialsMintedFor(first.ClientId), fixture.Emulator.Counters.CredentialsMintedFor(second.ClientId)));
    }

    [Fact]
    public async Task Begin_transaction_and_transaction_scope_work_unchanged_with_the_default_retrying_strategy()
    {
        var principal = await fixture.NewPrincipalAsync();
        var database = "tx_" + principal.ClientId.Replace("-", string.Empty, StringComparison.Ordinal)[..16];
        await fixture.Emulator.CreateDatabaseAsync(database, Ct);
        await using (var setup = fixture.CreateContext(principal, lb => lb.Database(database)))
        {
            await setup.Database.EnsureCreatedAsync(Ct);
        }

        // Code ported from UseNpgsql: an explicit transaction, committed.
        await using (var db = fixture.CreateContext(principal, lb => lb.Database(database)))
        {
            await using var transaction = await db.Database.BeginTransactionAsync(Ct);
            db.Notes.Add(new Note { Text = "committed" });
            await db.SaveChangesAsync(Ct);
            Assert.Equal(1, await db.Notes.CountAsync(Ct));
            await transaction.CommitAsync(Ct);
        }

        // A rolled-back one leaves nothing behind.
        await using (var db = fixture.CreateContext(principal, lb => lb.Database(database)))
        {
            await using var transaction = await db.Database.BeginTransactionAsync(Ct);
            db.Notes.Add(new Note { Text = "rolled back" });
            await db.SaveChangesAsync(Ct);
            await transaction.RollbackAsync(Ct);
        }

        // An ambient TransactionScope.
        using (var scope = new TransactionScope(TransactionScopeAsyncFlowOption.Enabled))
        {
            await using var db = fixture.CreateContext(principal, lb => lb.Database(database));
            db.Notes.Add(new Note { Text = "scoped" });
            await db.SaveChangesAsync(Ct);
            scope.Complete();
        }

        await using (var db = fixture.CreateContext(principal, lb => lb.Database(database)))
        {
            Assert.Equal(["committed", "scoped"], await db.Notes.OrderBy(n => n.Id).Select(n => n.Text).ToListAsync(Ct));
            Assert.IsType<LakebaseExecutionStrategy>(db.Database.CreateExecutionStrategy()); // outside a transaction, the retrying default
        }
    }

    [Fact]
    public async Task Inside_a_user_transaction_a_dropped_connection_fails_once_instead_of_being_retried()
    {
        var principal = await fixture.NewPrincipalAsync();
        await using var db = fixture.CreateContext(principal);
        await using var transaction = await db.Database.BeginTransactionAsync(Ct);
        Assert.Equal(principal.ClientId, (await db.WhoAmIAsync(Ct)).User);

        fixture.Emulator.DropAllSessions();

        // Retrying would replay the query on a new connection outside the transaction the application thinks it is in.
        var error = await Assert.ThrowsAnyAsync<Exception>(() => db.WhoAmIAsync(Ct));
        Assert.IsNotType<Microsoft.EntityFrameworkCore.Storage.RetryLimitExceededException>(error);
        Assert.IsNotType<InvalidOperationException>(error); // not EF's "user-initiated transactions are not supported"
    }

    public void Dispose()
    {
        fixture.Emulator.Faults.Reset();
        fixture.AssertNoSecretsLogged();
    }

    private ServiceCollection Services(Lakebase.Emulator.EmulatedPrincipal principal)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Lakebase:Endpoint"] = fixture.Emulator.EndpointName,
            ["Lakebase:Host"] = fixture.Emulator.Host,
            ["Lakebase:Port"] = fixture.Emulator.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Lakebase:RootCertificate"] = fixture.Emulator.CaCertificatePath,
            ["DATABRICKS_HOST"] = fixture.Emulator.WorkspaceUrl.ToString(),
            ["DATABRICKS_CLIENT_ID"] = principal.ClientId,
            ["DATABRICKS_CLIENT_SECRET"] = principal.ClientSecret,
        }).Build());
        services.AddSingleton(fixture.LoggerFactory);
        services.AddLakebaseDataSource();
        services.AddDbContext<ProbeDb>(options => options.UseLakebase());
        return services;
    }
}
