using System.Diagnostics;
using Xunit;

namespace Lakebase.TestUtilities;

/// <summary>Waits, in a test, for something that happens on another thread, timer or process.</summary>
public static class Poll
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Checks <paramref name="condition"/> every few milliseconds until it holds; fails the test if it still does not
    /// after <paramref name="timeout"/> (5 s unless given).
    /// </summary>
    /// <param name="condition">What the test waits for.</param>
    /// <param name="timeout">How long to wait at most.</param>
    /// <param name="cancellationToken">The test's cancellation.</param>
    /// <returns>A task that completes when the condition holds.</returns>
    public static async Task UntilAsync(Func<bool> condition, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var limit = timeout ?? DefaultTimeout;
        var started = Stopwatch.GetTimestamp();
        while (!condition())
        {
            if (Stopwatch.GetElapsedTime(started) > limit)
            {
                Assert.Fail($"condition not reached within {limit.TotalSeconds:0.###} s");
            }

            await Task.Delay(10, cancellationToken);
        }
    }

    /// <summary>
    /// Runs <paramref name="attempt"/> until it succeeds, for a result that becomes available after a backoff the test
    /// does not control (a remembered failure's window); fails the test with the last error after
    /// <paramref name="timeout"/> (5 s unless given). Every attempt is a real call, as a user's retries would be.
    /// </summary>
    /// <typeparam name="T">The result.</typeparam>
    /// <param name="attempt">The call that should eventually succeed.</param>
    /// <param name="timeout">How long to keep trying.</param>
    /// <param name="cancellationToken">The test's cancellation.</param>
    /// <returns>The first successful result.</returns>
    public static async Task<T> UntilSucceedsAsync<T>(Func<Task<T>> attempt, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var limit = timeout ?? DefaultTimeout;
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            try
            {
                return await attempt();
            }
            catch (Exception e) when (Stopwatch.GetElapsedTime(started) <= limit && e is not OperationCanceledException)
            {
                await Task.Delay(50, cancellationToken);
            }
        }
    }
}
