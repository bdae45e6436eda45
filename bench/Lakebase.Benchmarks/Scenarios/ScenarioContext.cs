using System.Collections.Concurrent;
using Lakebase.Benchmarks.Configuration;
using Lakebase.Benchmarks.Environment;
using Lakebase.Benchmarks.Variants;

namespace Lakebase.Benchmarks.Scenarios;

/// <summary>What every scenario gets: the emulator and the run's settings.</summary>
internal sealed record ScenarioContext(BenchEnvironment Environment, BenchmarkSettings Settings)
{
    public long CredentialRequests => Environment.Emulator.Counters.CredentialRequests;

    /// <summary>Scenario → variant → the effective connection string its opens used (no password), read after warm-up.</summary>
    public ConcurrentDictionary<int, ConcurrentDictionary<VariantKind, string>> EffectiveSettings { get; } = new();

    public void Progress(string message) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");

    /// <summary>Records what a warmed-up variant connects with, for the report's settings comparison.</summary>
    public void RecordSettings(int scenario, ConnectionVariant variant) =>
        EffectiveSettings.GetOrAdd(scenario, _ => new())[variant.Kind] = variant.EffectiveConnectionString;
}
