namespace Lakebase.Benchmarks.Variants;

/// <summary>Scenario 7's hosts (declaration order is the report's order).</summary>
internal enum FirstRequestCase
{
    /// <summary>(a) static password, UseLakebase's default strategy, the pool warmed (one connection opened) before the first request.</summary>
    StaticWarmPool,

    /// <summary>(b) AddLakebaseDataSource + UseLakebase(), defaults: nothing happens until the first request.</summary>
    LakebaseCold,

    /// <summary>(b) with <c>WarmUp()</c> and <c>AddLakebaseReadiness()</c>; the first request comes once readiness reports healthy.</summary>
    LakebaseWarmUp,
}

internal static class FirstRequestCaseExtensions
{
    public static IReadOnlyList<FirstRequestCase> All { get; } = [FirstRequestCase.StaticWarmPool, FirstRequestCase.LakebaseCold, FirstRequestCase.LakebaseWarmUp];

    public static string Label(this FirstRequestCase kind) => kind switch
    {
        FirstRequestCase.StaticWarmPool => "(a) static password, warm pool",
        FirstRequestCase.LakebaseCold => "(b) UseLakebase, no warm-up",
        _ => "(b) UseLakebase + WarmUp + readiness",
    };

    public static string Letter(this FirstRequestCase kind) => kind switch
    {
        FirstRequestCase.StaticWarmPool => "a",
        FirstRequestCase.LakebaseCold => "b",
        _ => "bw",
    };
}
