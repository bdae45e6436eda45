using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Lakebase.Benchmarks.Micro;
using Perfolizer.Horology;

namespace Lakebase.Benchmarks.Scenarios;

/// <summary>Scenario 5 figures: one BenchmarkDotNet case.</summary>
internal sealed record HotPathFigures(string Method, double MeanNs, double ErrorNs, long? AllocatedBytes);

/// <summary>
/// Scenario 5 via BenchmarkDotNet, in process (no per-benchmark project build: seconds, not minutes). Quick mode
/// uses a short job; the full run BenchmarkDotNet's default accuracy.
/// </summary>
internal static class HotPathScenario
{
    public static IReadOnlyList<HotPathFigures> Run(ScenarioContext context)
    {
        var job = context.Settings.IsQuick
            ? Job.ShortRun.WithWarmupCount(2).WithIterationCount(5).WithIterationTime(TimeInterval.FromMilliseconds(100))
            : Job.Default.WithLaunchCount(1).WithWarmupCount(6).WithIterationCount(15);
        var config = ManualConfig.CreateEmpty()
            .AddJob(job.WithToolchain(InProcessEmitToolchain.Instance))
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddLogger(ConsoleLogger.Default)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .WithArtifactsPath(Path.Combine(Path.GetTempPath(), "lakebase-benchmarks", "BenchmarkDotNet.Artifacts"));

        context.Progress("scenario 5: BenchmarkDotNet, pooled opens through LakebaseDataSource vs NpgsqlDataSource (+ per-context options build)");
        PooledOpenBenchmarks.Environment = context.Environment;
        var summaries = BenchmarkRunner.Run([typeof(PooledOpenBenchmarks), typeof(OptionsBuildBenchmarks)], config);
        if (summaries.FirstOrDefault(s => s.HasCriticalValidationErrors) is { } refused)
        {
            throw new InvalidOperationException("BenchmarkDotNet refused to run: " +
                string.Join("; ", refused.ValidationErrors.Select(e => e.Message)) + " (build with -c Release).");
        }

        var expected = summaries.Sum(s => s.BenchmarksCases.Length);
        var figures = summaries.SelectMany(s => s.Reports)
            .Where(r => r.ResultStatistics is not null)
            .Select(r => new HotPathFigures(
                r.BenchmarkCase.Descriptor.WorkloadMethodDisplayInfo,
                r.ResultStatistics!.Mean,
                r.ResultStatistics.StandardError,
                r.GcStats.GetBytesAllocatedPerOperation(r.BenchmarkCase)))
            .ToList();
        return figures.Count == expected
            ? figures
            : throw new InvalidOperationException($"BenchmarkDotNet produced {figures.Count} of {expected} results.");
    }
}
