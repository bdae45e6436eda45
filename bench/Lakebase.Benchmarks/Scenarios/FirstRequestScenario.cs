using System.Diagnostics;
using Lakebase.Benchmarks.Data;
using Lakebase.Benchmarks.Measurement;
using Lakebase.Benchmarks.Variants;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Lakebase.Benchmarks.Scenarios;

/// <summary>One host start of scenario 7: how long each step took, in milliseconds.</summary>
/// <param name="StartMs">IHost.StartAsync (hosted services, so (b)'s warm-up, run inside it).</param>
/// <param name="ReadyMs">From the start until readiness first reported healthy (polled as a load balancer does); NaN without readiness.</param>
/// <param name="FirstMs">The first EF Core query, from creating its scope to its result.</param>
/// <param name="WarmMs">The same query right after, in a new scope: the steady state of that host.</param>
internal sealed record FirstRequestRun(double StartMs, double ReadyMs, double FirstMs, double WarmMs);

/// <summary>Scenario 7 figures for one case: medians over its host starts, and the paired ratio to (a).</summary>
internal sealed record FirstRequestFigures(
    FirstRequestCase Case, IReadOnlyList<FirstRequestRun> Runs, double RatioToStatic, double RatioP25, double RatioP75, long Failures, string? FirstError)
{
    public double FirstMs => Median.Of(Runs.Select(r => r.FirstMs));

    public double WarmMs => Median.Of(Runs.Select(r => r.WarmMs));

    public double StartMs => Median.Of(Runs.Select(r => r.StartMs));

    public double ReadyMs => Median.Of(Runs.Select(r => r.ReadyMs));
}

/// <summary>
/// Scenario 7: the first request after a host starts. Each run builds a generic host as an application does
/// (AddLakebaseDataSource + AddDbContext with UseLakebase(), or UseNpgsql over a static-password data source for (a)),
/// starts it, for the warm-up case waits until the readiness check reports healthy (a load balancer's polling), then
/// times the first EF Core query. The cases alternate, order rotated each round; every host is new, so (b)'s
/// credential, workspace token and pool are cold, and EF Core builds its model for each (alike for every case).
/// </summary>
internal static class FirstRequestScenario
{
    public static readonly TimeSpan ReadinessPoll = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan ReadinessLimit = TimeSpan.FromSeconds(30);
    private static int _sequence;

    public static async Task<IReadOnlyList<FirstRequestFigures>> RunAsync(ScenarioContext context, CancellationToken ct)
    {
        var settings = context.Settings;

        // One untimed start of each case: JIT compilation and EF Core's process-wide caches must not land in round 1.
        foreach (var kind in FirstRequestCaseExtensions.All)
        {
            _ = await MeasureAsync(context, kind, ct).ConfigureAwait(false);
        }

        var runs = FirstRequestCaseExtensions.All.ToDictionary(k => k, _ => new List<FirstRequestRun>());
        var errors = FirstRequestCaseExtensions.All.ToDictionary(k => k, _ => (Failures: 0L, First: (string?)null));
        for (var round = 0; round < settings.FirstRequestRuns; round++)
        {
            context.Progress($"scenario 7: round {round + 1}/{settings.FirstRequestRuns}, one host start per case");
            foreach (var kind in VariantFactory.InterleavedOrder(FirstRequestCaseExtensions.All, round))
            {
                try
                {
                    runs[kind].Add(await MeasureAsync(context, kind, ct).ConfigureAwait(false));
                }
                catch (Exception e) when (!ct.IsCancellationRequested)
                {
                    runs[kind].Add(new FirstRequestRun(double.NaN, double.NaN, double.NaN, double.NaN));
                    errors[kind] = (errors[kind].Failures + 1, errors[kind].First ?? $"{e.GetType().Name}: {e.GetBaseException().Message}");
                }
            }
        }

        var baseline = runs[FirstRequestCase.StaticWarmPool];
        return [.. FirstRequestCaseExtensions.All.Select(kind =>
        {
            var ratios = runs[kind].Zip(baseline, (m, a) => m.FirstMs / a.FirstMs).Where(r => !double.IsNaN(r)).Order().ToArray();
            return new FirstRequestFigures(kind, runs[kind], Median.Of(ratios), Median.Quantile(ratios, 0.25), Median.Quantile(ratios, 0.75), errors[kind].Failures, errors[kind].First);
        })];
    }

    private static async Task<FirstRequestRun> MeasureAsync(ScenarioContext context, FirstRequestCase kind, CancellationToken ct)
    {
        var tag = $"bench-first-{kind.Letter()}-{Interlocked.Increment(ref _sequence)}";

        // Every start from a collected heap. Otherwise a first request of a few milliseconds pays for a collection of
        // whatever the previous host left, and rotating the order does not even that out: the cold case (a whole
        // workspace login's garbage) runs just before the warm-up case in two rounds of three. Without this the warm-up
        // case's ratio to (a) read 1.06-1.12x over three runs; with it 1.00-1.05x over four (2026-12-03).
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var host = Build(context, kind, tag);
        var started = Stopwatch.GetTimestamp();
        await host.StartAsync(ct).ConfigureAwait(false);
        var startMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        try
        {
            var readyMs = double.NaN;
            if (kind == FirstRequestCase.LakebaseWarmUp)
            {
                await WaitUntilReadyAsync(host.Services, ct).ConfigureAwait(false);
                readyMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
            else if (kind == FirstRequestCase.StaticWarmPool)
            {
                // A warm pool: one connection opened and returned, as (b)'s warm-up does with MinPoolSize 0.
                await using var connection = await host.Services.GetRequiredService<NpgsqlDataSource>().OpenConnectionAsync(ct).ConfigureAwait(false);
            }

            var first = await QueryAsync(host.Services, ct).ConfigureAwait(false);
            var warm = await QueryAsync(host.Services, ct).ConfigureAwait(false);
            return new FirstRequestRun(startMs, readyMs, first, warm);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static IHost Build(ScenarioContext context, FirstRequestCase kind, string tag)
    {
        var environment = context.Environment;
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        if (kind == FirstRequestCase.StaticWarmPool)
        {
            // A factory, so the container owns (and disposes) the data source, as it does (b)'s.
            builder.Services.AddSingleton(_ => StaticPasswordVariant.CreateDataSource(environment, VariantOptions.Pooled, tag));
            builder.Services.AddDbContext<BenchContext>((services, options) =>
                options.UseNpgsql(services.GetRequiredService<NpgsqlDataSource>(), StaticPasswordVariant.RetryingStrategy));
        }
        else
        {
            var warmUp = kind == FirstRequestCase.LakebaseWarmUp;
            builder.Services.AddLakebaseDataSource(environment.Emulator.EndpointName, LakebaseVariant.OAuth(environment), lakebase =>
            {
                LakebaseVariant.Configure(lakebase, environment, tag, VariantOptions.Pooled);
                if (warmUp)
                {
                    lakebase.WarmUp();
                }
            });
            builder.Services.AddDbContext<BenchContext>(options => options.UseLakebase());
            if (warmUp)
            {
                builder.Services.AddHealthChecks().AddLakebaseReadiness();
            }
        }

        return builder.Build();
    }

    // What a load balancer does: poll the readiness endpoint until it says healthy, and only then send traffic.
    private static async Task WaitUntilReadyAsync(IServiceProvider services, CancellationToken ct)
    {
        var health = services.GetRequiredService<HealthCheckService>();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(ReadinessLimit);
        while ((await health.CheckHealthAsync(r => r.Tags.Contains("ready"), limit.Token).ConfigureAwait(false)).Status != HealthStatus.Healthy)
        {
            await Task.Delay(ReadinessPoll, limit.Token).ConfigureAwait(false);
        }
    }

    // A request: a new scope, its DbContext, one point read (the CRUD mix's read).
    private static async Task<double> QueryAsync(IServiceProvider services, CancellationToken ct)
    {
        var start = Stopwatch.GetTimestamp();
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BenchContext>();
        _ = await db.Items.AsNoTracking().FirstOrDefaultAsync(i => i.Id == 1, ct).ConfigureAwait(false)
            ?? throw new InvalidOperationException("Seeded item 1 is missing.");
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }
}
