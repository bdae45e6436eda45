using Lakebase.Benchmarks.Data;
using Lakebase.Benchmarks.Variants;

namespace Lakebase.Benchmarks.Scenarios;

/// <summary>
/// Untimed first use of a fresh variant. Each new data source gets its own EF Core internal service provider, so
/// the model and compiled queries are rebuilt per measurement; that one-off cost (hundreds of ms) must not land in
/// the first variant's figures. Also performs (b)'s cold credential fetch, which the scenarios count.
/// </summary>
internal static class VariantWarmup
{
    public static async Task RunAsync(ConnectionVariant variant, bool crud, CancellationToken ct)
    {
        await OpenConnection.OpenAndCloseAsync(variant, ct).ConfigureAwait(false);
        if (crud)
        {
            var random = new Random(0);
            for (var i = 0; i < 8; i++)
            {
                await CrudWorkload.RunAsync(variant.CreateOptions(), i, random, ct).ConfigureAwait(false);
            }
        }
    }
}
