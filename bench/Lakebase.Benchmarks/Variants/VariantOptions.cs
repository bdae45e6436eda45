namespace Lakebase.Benchmarks.Variants;

/// <summary>How a variant's pool is set up for a scenario; identical for all three variants of one measurement.</summary>
/// <param name="Pooling">False makes every open a physical login (scenarios 1, 3, 4).</param>
/// <param name="RefreshBeforeExpiry">UseLakebase's refresh lead; null for its default (5 minutes, at most a quarter of the lifetime).</param>
internal sealed record VariantOptions(bool Pooling, TimeSpan? RefreshBeforeExpiry = null)
{
    public static VariantOptions Pooled { get; } = new(Pooling: true);

    public static VariantOptions Unpooled { get; } = new(Pooling: false);
}
