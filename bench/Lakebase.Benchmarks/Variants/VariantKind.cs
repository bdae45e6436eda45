namespace Lakebase.Benchmarks.Variants;

/// <summary>The three ways of connecting that are compared side by side.</summary>
internal enum VariantKind
{
    /// <summary>(a) plain UseNpgsql with a fixed password: the floor, no credential work at all.</summary>
    StaticPassword,

    /// <summary>(b) UseLakebase: cached, background-refreshed credential.</summary>
    UseLakebase,

    /// <summary>(c) the Databricks guide's pattern: one credential API call inside every physical open.</summary>
    GuidePerConnection,
}

internal static class VariantKindExtensions
{
    public static string Label(this VariantKind kind) => kind switch
    {
        VariantKind.StaticPassword => "(a) static password",
        VariantKind.UseLakebase => "(b) UseLakebase",
        _ => "(c) guide: credential per open",
    };

    public static string Letter(this VariantKind kind) => kind switch
    {
        VariantKind.StaticPassword => "a",
        VariantKind.UseLakebase => "b",
        _ => "c",
    };
}
