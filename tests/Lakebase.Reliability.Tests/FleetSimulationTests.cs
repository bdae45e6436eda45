using Lakebase.Reliability.Fleet;

namespace Lakebase.Reliability.Tests;

/// <summary>
/// 50 instances started together, 3 simulated hours against the rate-limited emulator (300 requests/min, burst 100:
/// the rollout fits in the burst, so there are no retries and every request is a refresh).
/// </summary>
/// <remarks>
/// The bound on the steady peak (any minute after the first five): with jitter an instance refreshes at a uniformly
/// random 50-80 % of its token's 60-minute life, 30-48 minutes after its previous credential. So (1) an instance makes
/// at most one request in any minute, and (2) the chance that a given instance's k-th refresh lands in a given minute is
/// at most 1/18: the density of a sum of independent delays is at most the largest density of one of them,
/// 1/(48 - 30) per minute. The count in a minute is therefore dominated by Binomial(50, 1/18) (mean 2.8):
/// P(X >= 15) = 5.2e-8 per minute, 9.3e-6 over 180 minutes by the union bound. The test asserts at most 14, and
/// exactly 50 in the rollout minute. (The instances are built with the public builder, so their jitter is not seeded;
/// the bound says any draw passes.)
/// </remarks>
public sealed class FleetSimulationTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Instances = 50;
    private const int SteadyPeakBound = 14;
    private static readonly FleetOptions Options = new(Instances, TimeSpan.FromHours(3));
    private FleetSimulation _fleet = null!;

    public async ValueTask InitializeAsync() => _fleet = await FleetSimulation.StartAsync(TestContext.Current.CancellationToken);

    [Fact]
    public async Task With_jitter_refreshes_spread_out_and_no_open_fails()
    {
        var withJitter = await RunAsync(FleetVariant.UseLakebase);

        Assert.Equal(Instances, withJitter.RequestsPerMinute[0]); // the rollout: one request per instance
        Assert.InRange(withJitter.SteadyPeakPerMinute, 1, SteadyPeakBound);
        Assert.Equal(0, withJitter.FailedOpens);
        Assert.Equal(0, withJitter.TooManyRequests);
    }

    [Fact]
    public async Task The_guides_per_connection_pattern_hits_the_rate_limit()
    {
        var guide = await RunAsync(FleetVariant.GuidePerConnection);

        // 5 connections per instance at the rollout exceed the burst of 100: 429s, and the retries that follow them.
        Assert.True(guide.TooManyRequests > 0);
        Assert.True(guide.PeakPerMinute > Instances * Options.ConnectionsPerInstance);
    }

    public ValueTask DisposeAsync() => _fleet.DisposeAsync();

    private async Task<FleetResult> RunAsync(FleetVariant variant)
    {
        var result = await _fleet.RunAsync(variant, Options, TestContext.Current.CancellationToken);
        output.WriteLine($"{variant}: {result.TotalRequests} requests, peak {result.PeakPerMinute}/min, steady peak {result.SteadyPeakPerMinute}/min, " +
            $"mean {result.MeanPerMinute:0.0}/min, {result.TooManyRequests} 429s, {result.FailedOpens}/{result.Opens} failed opens, {result.WallClock.TotalSeconds:0} s");
        return result;
    }
}
