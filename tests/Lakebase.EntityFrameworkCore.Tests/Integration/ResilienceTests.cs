using System.Collections.Concurrent;
using System.Diagnostics;
using Lakebase.EntityFrameworkCore.Infrastructure;
using Lakebase.Npgsql;
using Lakebase.TestUtilities;
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

        // Physical connections recycle every second, so new logins keep needing the current token. Real time: the
        // emulator's tokens expire on its own clock. The bounds below are per elapsed refresh period, so a loaded
        // machine (fewer operations, a longer run) changes the figures, not the verdict.
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var watch = Stopwatch.StartNew();
        var result = await RunLoadAsync(principal, database, workers: 16, stop.Token, lb => lb.ConnectionLifetime(TimeSpan.FromSeconds(1)));
        var elapsed = watch.Elapsed;

        var logins = fixture.Emulator.Counters.LoginsAccepted - loginsBefore;
        var minted = fixture.Emulator.Counters.CredentialsMintedFor(principal.ClientId);
        output.WriteLine($"{result.Operations} operations, {result.Written.Count} rows, {logins} physical logins, {minted} credentials, {result.Failures.Count} failures in {elapsed.TotalSeconds:0.0} s");
        Assert.Empty(result.Failures);
        await AssertAllRowsReadBackAsync(principal, database, result.Written);
        Assert.True(logins >= 30, $"only {logins} physical logins: the test did not exercise rotation");

        // A refresh period is 50-80 % of the 3 s lifetime (1.5-2.4 s; up to 3.2 s when the whole-second Date header
        // makes the token look a second longer): about one credential per period, never one per login.
        Assert.InRange(minted, (int)(elapsed / TimeSpan.FromSeconds(3.2)) - 1, (int)(elapsed / TimeSpan.FromSeconds(1.5)) + 2);
        Assert.True(minted * 3 < logins, $"{minted} credentials for {logins} logins");
    }

    [Fact]
    public async Task Revoking_every_token_mid_run_costs_one_forced_refresh_and_no_failed_operation()
    {
        var principal = await fixture.NewPrincipalAsync();
        var database = await NewDatabaseAsync(principal);
        var mintedBefore = fixture.Emulator.Counters.CredentialsMintedFor(principal.ClientId);

        // The revocation comes once the load is really running, and the load ends once logins with the replacement
        // have happened: states, not fixed delays, so a slow machine cannot revoke before the first login or stop
        // before the first retry.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var loginsBefore = fixture.Emulator.Counters.LoginsAccepted;
        var load = RunLoadAsync(principal, database, workers: 8, stop.Token, lb => lb.ConnectionLifetime(TimeSpan.FromSeconds(1)));
        await Poll.UntilAsync(() => fixture.Emulator.Counters.LoginsAccepted - loginsBefore >= 8, TimeSpan.FromSeconds(30), Ct);
        var rejectedBefore = fixture.Emulator.Counters.LoginsRejected;
        fixture.Emulator.RevokeAllTokens();
        var loginsAtRevocation = fixture.Emulator.Counters.LoginsAccepted;
        await Poll.UntilAsync(
            () => fixture.Emulator.Counters.LoginsRejected > rejectedBefore && fixture.Emulator.Counters.LoginsAccepted - loginsAtRevocation >= 16,
            TimeSpan.FromSeconds(30),
            Ct);
        await stop.CancelAsync();
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
        // Every 200 ms, but never twice without a write having completed in between: on a loaded machine a write that
        // takes longer than 200 ms would otherwise be dropped on every retry until the strategy gives up, a failure
        // of the machine's speed, not of the code under test.
        using var done = new CancellationTokenSource();
        var completed = 0;
        var drops = 0;
        var dropper = Task.Run(async () =>
        {
            var seen = -1;
            while (!done.IsCancellationRequested)
            {
                if (Volatile.Read(ref completed) != seen)
                {
                    seen = Volatile.Read(ref completed);
                    fixture.Emulator.DropAllSessions();
                    Interlocked.Increment(ref drops);
                }

                await Task.Delay(200, CancellationToken.None);
            }
        }, Ct);

        var written = new List<string>();
        for (var i = 0; i < 40 || Volatile.Read(ref drops) < 10; i++) // at least 40 writes through at least 10 drops
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
            Interlocked.Increment(ref completed);
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

    // Each worker finishes the operation under way when stop is signalled, so every outcome is known.
    private async Task<LoadResult> RunLoadAsync(Lakebase.Emulator.EmulatedPrincipal principal, string database, int workers, CancellationToken stop, Action<LakebaseDbContextOptionsBuilder> tune)
    {
        var written = new ConcurrentBag<(int Id, string Text)>();
        var failures = new ConcurrentBag<Exception>();
        var operations = 0;

        await Task.WhenAll(Enumerable.Range(0, workers).Select(worker => Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
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
