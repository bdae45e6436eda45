using System.Collections.Concurrent;
using System.Diagnostics;
using Lakebase.EntityFrameworkCore.Infrastructure;
using Lakebase.Npgsql;
using Microsoft.EntityFrameworkCore;

namespace Lakebase.EntityFrameworkCore.Tests.Integration;

/// <summary>Rotation, revocation and scale-to-zero under real load, with EF Core reads and writes.</summary>
[Collection(EmulatorCollection.Name)]
public sealed class ResilienceTests(EmulatorFixture fixture, ITestOutputHelper output) : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Sixteen_workers_through_ten_token_lifetimes_lose_nothing_and_request_a_credential_per_lifetime_not_per_connection()
    {
        var principal = await fixture.NewPrincipalAsync();
        var database = await NewDatabaseAsync(principal);
        fixture.Emulator.Faults.TokenLifetimeOverride = TimeSpan.FromSeconds(3);
        var loginsBefore = fixture.Emulator.Counters.LoginsAccepted;

        // Physical connections recycle every second, so new logins keep needing the current token.
        var result = await RunLoadAsync(principal, database, workers: 16, TimeSpan.FromSeconds(30), lb => lb.ConnectionLifetime(TimeSpan.FromSeconds(1)));

        var logins = fixture.Emulator.Counters.LoginsAccepted - loginsBefore;
        var minted = fixture.Emulator.Counters.CredentialsMintedFor(principal.ClientId);
        output.WriteLine($"{result.Operations} operations, {result.Written.Count} rows, {logins} physical logins, {minted} credentials, {result.Failures.Count} failures");
        Assert.Empty(result.Failures);
        await AssertAllRowsReadBackAsync(principal, database, result.Written);
        Assert.True(logins >= 30, $"only {logins} physical logins: the test did not exercise rotation");
        Assert.InRange(minted, 10, 26); // ~30 s (up to ~36 s on a loaded machine) / a 1.5-2.4 s refresh period (50-80 % of 3 s), not ~one per login
    }

    [Fact]
    public async Task Revoking_every_token_mid_run_costs_one_forced_refresh_and_no_failed_operation()
    {
        var principal = await fixture.NewPrincipalAsync();
        var database = await NewDatabaseAsync(principal);
        var mintedBefore = fixture.Emulator.Counters.CredentialsMintedFor(principal.ClientId);

        var load = RunLoadAsync(principal, database, workers: 8, TimeSpan.FromSeconds(6), lb => lb.ConnectionLifetime(TimeSpan.FromSeconds(1)));
        await Task.Delay(TimeSpan.FromSeconds(2), Ct);
        var rejectedBefore = fixture.Emulator.Counters.LoginsRejected;
        fixture.Emulator.RevokeAllTokens();
        var result = await load;
        var minted = fixture.Emulator.Counters.CredentialsMintedFor(principal.ClientId) - mintedBefore;

        Assert.Empty(result.Failures);
        Assert.Equal(2, minted); // the first, and one forced replacement
        await AssertAllRowsReadBackAsync(principal, database, result.Written);
        Assert.InRange(fixture.Emulator.Counters.LoginsRejected - rejectedBefore, 1, 8); // the opens in flight when it happened, each retried once
    }

    [Fact]
    public async Task After_the_compute_suspends_under_idle_pooled_connections_the_next_operation_succeeds()
    {
        var principal = await fixture.NewPrincipalAsync();
        var database = await NewDatabaseAsync(principal);
        await WarmPoolAsync(principal, database, Configure);
        await fixture.Emulator.SuspendAsync(Ct);

        var watch = Stopwatch.StartNew();
        await using (var db = fixture.CreateContext(principal, Configure))
        {
            Assert.Equal(principal.ClientId, (await db.WhoAmIAsync(Ct)).User);
        }

        // The retrying execution strategy replaces the dead pooled connection; the new login waits out the cold start.
        output.WriteLine($"first operation after suspend took {watch.ElapsedMilliseconds} ms");
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(30));
        Assert.Contains(fixture.Logs.Entries, e => e.EventId.Name?.Contains("ExecutionStrategyRetrying", StringComparison.Ordinal) == true);

        void Configure(LakebaseDbContextOptionsBuilder lb) => lb.Database(database).MaxPoolSize(4);
    }

    [Fact]
    public async Task Without_the_retrying_strategy_a_suspended_compute_surfaces_as_a_broken_connection()
    {
        var principal = await fixture.NewPrincipalAsync();
        var database = await NewDatabaseAsync(principal);
        await WarmPoolAsync(principal, database, Configure);
        await fixture.Emulator.SuspendAsync(Ct);

        await using var db = fixture.CreateContext(principal, Configure);
        // EF Core's own advice, around the dead pooled connection Npgsql found.
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => db.WhoAmIAsync(Ct));
        Assert.Contains("likely due to a transient failure", error.Message);
        Assert.IsType<global::Npgsql.NpgsqlException>(error.InnerException, exactMatch: false);

        void Configure(LakebaseDbContextOptionsBuilder lb) => lb.Database(database).MaxPoolSize(4).DisableRetryOnFailure();
    }

    public void Dispose()
    {
        fixture.Emulator.Faults.Reset();
        fixture.AssertNoSecretsLogged();
    }

    [Fact]
    public async Task Writes_in_ExecuteInTransaction_survive_sessions_dropped_every_200_ms()
    {
        // A drop while SaveChanges releases its savepoint leaves the transaction disposed with a transient network
        // error inside: the strategy retries it (and verifySucceeded covers a COMMIT whose answer was lost).
        var principal = await fixture.NewPrincipalAsync();
        var database = await NewDatabaseAsync(principal);
        using var done = new CancellationTokenSource();
        var dropper = Task.Run(async () =>
        {
            while (!done.IsCancellationRequested)
            {
                fixture.Emulator.DropAllSessions();
                await Task.Delay(200, CancellationToken.None);
            }
        }, Ct);

        var written = new List<string>();
        var stopwatch = Stopwatch.StartNew();
        for (var i = 0; i < 40 || stopwatch.Elapsed < TimeSpan.FromSeconds(2); i++)
        {
            await using var db = fixture.CreateContext(principal, lb => lb.Database(database));
            var text = $"note-{i}";
            db.Notes.Add(new Note { Text = text });
            await db.Database.CreateExecutionStrategy().ExecuteInTransactionAsync(
                db,
                static (context, ct) => context.SaveChangesAsync(acceptAllChangesOnSuccess: false, ct),
                (context, ct) => context.Notes.AsNoTracking().AnyAsync(n => n.Text == text, ct),
                Ct);
            db.ChangeTracker.AcceptAllChanges();
            written.Add(text);
        }

        await done.CancelAsync();
        await dropper;
        await using var check = fixture.CreateContext(principal, lb => lb.Database(database));
        var stored = await check.Notes.AsNoTracking().Select(n => n.Text).ToListAsync(Ct);
        Assert.Equal(written.Order(), stored.Order());
    }

    private async Task<string> NewDatabaseAsync(Lakebase.Emulator.EmulatedPrincipal principal)
    {
        var name = "t_" + principal.ClientId.Replace("-", string.Empty, StringComparison.Ordinal)[..16];
        await fixture.Emulator.CreateDatabaseAsync(name, Ct);
        await using var db = fixture.CreateContext(principal, lb => lb.Database(name));
        await db.Database.EnsureCreatedAsync(Ct);
        return name;
    }

    private async Task WarmPoolAsync(Lakebase.Emulator.EmulatedPrincipal principal, string database, Action<LakebaseDbContextOptionsBuilder> configure)
    {
        var contexts = Enumerable.Range(0, 4).Select(_ => fixture.CreateContext(principal, configure)).ToList();
        foreach (var context in contexts)
        {
            await context.Database.OpenConnectionAsync(Ct); // four physical connections at once
        }

        foreach (var context in contexts)
        {
            await context.DisposeAsync(); // back to the pool, idle
        }
    }

    private async Task<LoadResult> RunLoadAsync(Lakebase.Emulator.EmulatedPrincipal principal, string database, int workers, TimeSpan duration, Action<LakebaseDbContextOptionsBuilder> tune)
    {
        var written = new ConcurrentBag<(int Id, string Text)>();
        var failures = new ConcurrentBag<Exception>();
        var operations = 0;
        var until = DateTime.UtcNow + duration;

        await Task.WhenAll(Enumerable.Range(0, workers).Select(worker => Task.Run(async () =>
        {
            for (var i = 0; DateTime.UtcNow < until; i++)
            {
                try
                {
                    await using var db = fixture.CreateContext(principal, lb => tune(lb.Database(database)));
                    var note = new Note { Text = $"w{worker}-{i}" };
                    db.Notes.Add(note);
                    await db.SaveChangesAsync(Ct);
                    var read = await db.Notes.AsNoTracking().SingleAsync(n => n.Id == note.Id, Ct);
                    Assert.Equal(note.Text, read.Text);
                    written.Add((note.Id, note.Text));
                    Interlocked.Add(ref operations, 2);
                }
                catch (Exception e)
                {
                    failures.Add(e);
                }
            }
        }, Ct)));

        foreach (var failure in failures.Take(3))
        {
            output.WriteLine(failure.ToString());
        }

        return new LoadResult(operations, written, failures);
    }

    private async Task AssertAllRowsReadBackAsync(Lakebase.Emulator.EmulatedPrincipal principal, string database, IReadOnlyCollection<(int Id, string Text)> written)
    {
        await using var db = fixture.CreateContext(principal, lb => lb.Database(database));
        var stored = await db.Notes.AsNoTracking().ToDictionaryAsync(n => n.Id, n => n.Text, Ct);
        Assert.All(written, row => Assert.Equal(row.Text, stored.GetValueOrDefault(row.Id)));
    }

    private sealed record LoadResult(int Operations, IReadOnlyCollection<(int Id, string Text)> Written, ConcurrentBag<Exception> Failures);
}
