using Lakebase.EntityFrameworkCore.Connection;
using Lakebase.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Lakebase.EntityFrameworkCore.Tests.Integration;

/// <summary>
/// The default strategy streams query results as bare UseNpgsql does, yet still replaces connections the compute
/// closed, for reads and writes; EnableRetryOnFailure chooses EF Core's buffering strategy.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class ExecutionStrategyTests(EmulatorFixture fixture) : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task By_default_a_query_streams_its_rows_and_EnableRetryOnFailure_buffers_them()
    {
        var principal = await fixture.NewPrincipalAsync();
        var database = await NewDatabaseWithNotesAsync(principal, 3);

        // Streaming: while the first row is in hand the rest are still on the wire, so the connection is busy.
        await using (var db = fixture.CreateContext(principal, lb => lb.Database(database)))
        {
            Assert.IsType<LakebaseExecutionStrategy>(db.Database.CreateExecutionStrategy());
            await using var rows = db.Notes.AsNoTracking().OrderBy(n => n.Id).AsAsyncEnumerable().GetAsyncEnumerator(Ct);
            Assert.True(await rows.MoveNextAsync());
            var connection = (NpgsqlConnection)db.Database.GetDbConnection();
            await using var probe = new NpgsqlCommand("SELECT 1", connection);
            await Assert.ThrowsAsync<NpgsqlOperationInProgressException>(() => probe.ExecuteScalarAsync(Ct));
        }

        // Buffered: EF Core read every row before handing out the first, so the connection is free again.
        await using (var db = fixture.CreateContext(principal, lb => lb.Database(database).EnableRetryOnFailure()))
        {
            Assert.IsType<LakebaseRetryingExecutionStrategy>(db.Database.CreateExecutionStrategy());
            await db.Database.OpenConnectionAsync(Ct); // held open, so the probe below runs on the query's connection
            await using var rows = db.Notes.AsNoTracking().OrderBy(n => n.Id).AsAsyncEnumerable().GetAsyncEnumerator(Ct);
            Assert.True(await rows.MoveNextAsync());
            await using var probe = new NpgsqlCommand("SELECT 1", (NpgsqlConnection)db.Database.GetDbConnection());
            Assert.Equal(1, await probe.ExecuteScalarAsync(Ct));
        }
    }

    [Fact]
    public async Task After_every_session_is_dropped_the_next_write_and_read_succeed_on_new_connections()
    {
        var principal = await fixture.NewPrincipalAsync();
        var database = await NewDatabaseWithNotesAsync(principal, 1);
        var contexts = Enumerable.Range(0, 4).Select(_ => fixture.CreateContext(principal, lb => lb.Database(database).MaxPoolSize(4))).ToList();
        foreach (var context in contexts)
        {
            await context.Database.OpenConnectionAsync(Ct); // four pooled physical connections
        }

        foreach (var context in contexts)
        {
            await context.DisposeAsync();
        }

        var retriesBefore = Retries();
        fixture.Emulator.DropAllSessions(); // every pooled connection is now dead, as after an idle cut or a failover

        await using (var db = fixture.CreateContext(principal, lb => lb.Database(database).MaxPoolSize(4)))
        {
            db.Notes.Add(new Note { Text = "after the drop" });
            await db.SaveChangesAsync(Ct);
        }

        fixture.Emulator.DropAllSessions();
        await using (var db = fixture.CreateContext(principal, lb => lb.Database(database).MaxPoolSize(4)))
        {
            Assert.Equal(1, await db.Notes.CountAsync(n => n.Text == "after the drop", Ct)); // written once, read back
        }

        Assert.True(Retries() >= retriesBefore + 2, "each operation should have met a dead pooled connection and been retried");

        int Retries() => fixture.Logs.Entries.Count(e => e.EventId.Name?.Contains("ExecutionStrategyRetrying", StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task A_synchronous_save_of_several_rows_and_a_synchronous_unit_of_work_with_its_own_transaction_are_retried_after_the_sessions_drop()
    {
        var principal = await fixture.NewPrincipalAsync();
        var database = await NewDatabaseWithNotesAsync(principal, 0);
        await using (var warm = fixture.CreateContext(principal, lb => lb.Database(database)))
        {
            await warm.Database.OpenConnectionAsync(Ct); // a pooled physical connection to find dead
        }

        // Several rows: EF Core wraps them in its own transaction, which must not be mistaken for the application's.
        fixture.Emulator.DropAllSessions();
        using (var db = fixture.CreateContext(principal, lb => lb.Database(database)))
        {
            db.Notes.AddRange(new Note { Text = "sync 1" }, new Note { Text = "sync 2" });
            db.SaveChanges();
        }

        // EF Core's documented pattern: the application's transaction inside a unit of work, retried whole.
        fixture.Emulator.DropAllSessions();
        using (var db = fixture.CreateContext(principal, lb => lb.Database(database)))
        {
            db.Database.CreateExecutionStrategy().Execute(db, context =>
            {
                context.ChangeTracker.Clear();
                using var transaction = context.Database.BeginTransaction();
                context.Notes.Add(new Note { Text = "unit of work" });
                context.SaveChanges();
                transaction.Commit();
            });
        }

        await using var check = fixture.CreateContext(principal, lb => lb.Database(database));
        Assert.Equal(["sync 1", "sync 2", "unit of work"], await check.Notes.OrderBy(n => n.Text).Select(n => n.Text).ToListAsync(Ct));
    }

    public void Dispose()
    {
        fixture.Emulator.Faults.Reset();
        fixture.AssertNoSecretsLogged();
    }

    private async Task<string> NewDatabaseWithNotesAsync(Lakebase.Emulator.EmulatedPrincipal principal, int notes)
    {
        var name = "s_" + principal.ClientId.Replace("-", string.Empty, StringComparison.Ordinal)[..16];
        await fixture.Emulator.CreateDatabaseAsync(name, Ct);
        await using var db = fixture.CreateContext(principal, lb => lb.Database(name));
        await db.Database.EnsureCreatedAsync(Ct);
        db.Notes.AddRange(Enumerable.Range(0, notes).Select(i => new Note { Text = $"note {i}" }));
        await db.SaveChangesAsync(Ct);
        return name;
    }
}
