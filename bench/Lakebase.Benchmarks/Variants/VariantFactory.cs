using Lakebase.Benchmarks.Environment;

namespace Lakebase.Benchmarks.Variants;

/// <summary>Creates a fresh variant per measurement: own pool, own credential state, distinct application name.</summary>
internal static class VariantFactory
{
    private static int _sequence;

    /// <summary>Set from --lakebase-options-once: (b) shares one options instance instead of calling UseLakebase per context.</summary>
    public static bool LakebaseOptionsOnce { get; set; }

    /// <summary>Set from --lakebase-no-retry: (b) without the execution strategy UseLakebase installs by default.</summary>
    public static bool LakebaseNoRetry { get; set; }

    public static ConnectionVariant Create(VariantKind kind, BenchEnvironment environment, VariantOptions options)
    {
        var tag = $"bench-{kind.Letter()}-{Interlocked.Increment(ref _sequence)}";
        return kind switch
        {
            VariantKind.StaticPassword => new StaticPasswordVariant(environment, options, tag, retryingStrategy: true),
            VariantKind.BareStaticPassword => new StaticPasswordVariant(environment, options, tag, retryingStrategy: false),
            VariantKind.UseLakebase => new LakebaseVariant(environment, options, tag, LakebaseOptionsOnce, LakebaseNoRetry),
            _ => new GuidePerConnectionVariant(environment, options, tag),
        };
    }

    /// <summary>Rotates the order each run so no variant always goes first (warmer caches, cooler CPU).</summary>
    public static IReadOnlyList<VariantKind> InterleavedOrder(int run) => InterleavedOrder(VariantKindExtensions.Compared, run);

    /// <inheritdoc cref="InterleavedOrder(int)"/>
    public static IReadOnlyList<T> InterleavedOrder<T>(IReadOnlyList<T> kinds, int run) =>
        [.. Enumerable.Range(0, kinds.Count).Select(i => kinds[(i + run) % kinds.Count])];
}
