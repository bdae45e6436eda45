using Microsoft.EntityFrameworkCore;

namespace Lakebase.Benchmarks.Data;

/// <summary>
/// One operation of a web request's worth of EF Core work, cycling insert, point read, update and a page query.
/// A new DbContext per operation, as a scoped context in ASP.NET Core gets.
/// </summary>
internal static class CrudWorkload
{
    public const int SeededRows = 10_000;
    private const int PageSize = 20;

    public static async Task RunAsync(DbContextOptions<BenchContext> options, long sequence, Random random, CancellationToken ct)
    {
        await using var db = new BenchContext(options);
        var id = random.NextInt64(1, SeededRows + 1);
        switch (sequence % 4)
        {
            case 0:
                db.Items.Add(new Item { Name = "bench", Quantity = (int)sequence, UpdatedAt = DateTime.UtcNow });
                await db.SaveChangesAsync(ct).ConfigureAwait(false);
                break;
            case 1:
                _ = await db.Items.AsNoTracking().FirstOrDefaultAsync(i => i.Id == id, ct).ConfigureAwait(false)
                    ?? throw new InvalidOperationException($"Seeded item {id} is missing.");
                break;
            case 2:
                // A stub update: one UPDATE statement, no read first (the common "edit" endpoint shape).
                var stub = new Item { Id = id };
                db.Items.Attach(stub);
                stub.Quantity = (int)sequence;
                stub.UpdatedAt = DateTime.UtcNow;
                await db.SaveChangesAsync(ct).ConfigureAwait(false);
                break;
            default:
                var page = await db.Items.AsNoTracking().Where(i => i.Id > id).OrderBy(i => i.Id).Take(PageSize).ToListAsync(ct).ConfigureAwait(false);
                GC.KeepAlive(page);
                break;
        }
    }
}
