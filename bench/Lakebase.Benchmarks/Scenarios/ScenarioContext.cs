using Lakebase.Benchmarks.Configuration;
using Lakebase.Benchmarks.Environment;

namespace Lakebase.Benchmarks.Scenarios;

/// <summary>What every scenario gets: the emulator and the run's settings.</summary>
internal sealed record ScenarioContext(BenchEnvironment Environment, BenchmarkSettings Settings)
{
    public long CredentialRequests => Environment.Emulator.Counters.CredentialRequests;

    public void Progress(string message) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");
}
