namespace Lakebase.Benchmarks.Variants;

/// <summary>The ways of connecting that are compared side by side (declaration order is the report's order).</summary>
internal enum VariantKind
{
    /// <summary>
    /// (a) UseNpgsql with a fixed password and the same execution strategy UseLakebase installs by default:
    /// the floor for what Lakebase's credential handling adds, like for like.
    /// </summary>
    StaticPassword,

    /// <summary>(b) UseLakebase: cached, background-refreshed credential.</summary>
    UseLakebase,

    /// <summary>(c) the Databricks guide's pattern: one credential API call inside every physical open.</summary>
    GuidePerConnection,

    /// <summary>
    /// (a₀) bare UseNpgsql with a fixed password, no execution strategy (EF Core's default). Scenario 2 only, judged:
    /// (b) against it is UseLakebase's defaults against plain UseNpgsql; (a) against it, the default strategy's own cost.
    /// </summary>
    BareStaticPassword,
}

internal static class VariantKindExtensions
{
    /// <summary>The three variants of every scenario; <see cref="VariantKind.BareStaticPassword"/> joins scenario 2 only.</summary>
    public static IReadOnlyList<VariantKind> Compared { get; } = [VariantKind.StaticPassword, VariantKind.UseLakebase, VariantKind.GuidePerConnection];

    public static string Label(this VariantKind kind) => kind switch
    {
        VariantKind.StaticPassword => "(a) static password + UseLakebase's default strategy",
        VariantKind.UseLakebase => "(b) UseLakebase",
        VariantKind.GuidePerConnection => "(c) guide: credential per open",
        _ => "(a₀) static password, bare UseNpgsql",
    };

    public static string Letter(this VariantKind kind) => kind switch
    {
        VariantKind.StaticPassword => "a",
        VariantKind.UseLakebase => "b",
        VariantKind.GuidePerConnection => "c",
        _ => "a0",
    };
}
