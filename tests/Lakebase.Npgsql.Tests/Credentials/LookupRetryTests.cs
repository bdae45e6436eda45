using System.Net;
using Lakebase.TestUtilities;
using Microsoft.Extensions.Time.Testing;

namespace Lakebase.Npgsql.Tests.Credentials;

/// <summary>
/// Issue 16 item 1 (measured): a first endpoint-host lookup that ran past the connect timeout broke the data source
/// until the process restarted; every later open got a bare TaskCanceledException at once. On a fake clock.
/// </summary>
public sealed class LookupRetryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_host_lookup_that_timed_out_is_retried_by_a_later_open_and_a_failure_is_then_remembered()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
        var lookups = 0;
        using var http = new HttpClient(new SlowThenMissing(() => Interlocked.Increment(ref lookups)));
        await using var dataSource = new LakebaseDataSourceBuilder("projects/p/branches/b/endpoints/e", new LakebaseOAuthOptions { WorkspaceHost = "https://workspace.example", Token = "dapi0123456789abcdef0123456789abcdef" })
            .Username("app").ConnectTimeout(TimeSpan.FromSeconds(3)).UseHttpClient(http).UseTimeProvider(clock).ReadEnvironment(false)
            .WithVariables(_ => null)
            .Build();

        // The first lookup hangs: at the connect timeout the open fails with an error that says what timed out.
        var first = dataSource.OpenConnectionAsync(Ct).AsTask();
        await Poll.UntilAsync(() => Volatile.Read(ref lookups) == 1, cancellationToken: Ct);
        clock.Advance(TimeSpan.FromSeconds(3));
        var timedOut = await Assert.ThrowsAsync<LakebaseCredentialException>(() => first.WaitAsync(TimeSpan.FromSeconds(10), Ct));
        Assert.Equal(LakebaseCredentialError.Unavailable, timedOut.Reason);
        Assert.Contains("look up the endpoint's host", timedOut.Message, StringComparison.Ordinal);
        Assert.Contains("ConnectTimeout", timedOut.Message, StringComparison.Ordinal);

        // The next open looks up again (the workspace now says 404) ...
        var missing = await Assert.ThrowsAsync<LakebaseCredentialException>(() => dataSource.OpenConnectionAsync(Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(10), Ct));
        Assert.Equal(LakebaseCredentialError.EndpointNotFound, missing.Reason);
        Assert.Equal(2, lookups);

        // ... and opens inside the backoff window get that answer without asking again.
        Assert.Same(missing, await Assert.ThrowsAsync<LakebaseCredentialException>(() => dataSource.OpenConnectionAsync(Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(10), Ct)));
        Assert.Equal(2, lookups);
    }

    /// <summary>The first request never answers (until cancelled); later ones answer 404.</summary>
    private sealed class SlowThenMissing(Func<int> count) : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (count() == 1)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }

            return FailureBackoffTests.Json(HttpStatusCode.NotFound, """{"error_code":"NOT_FOUND","message":"no such endpoint"}""");
        }
    }
}

internal static class BuilderTestExtensions
{
    /// <summary>Reads unset values from <paramref name="variables"/> instead of the process environment.</summary>
    public static LakebaseDataSourceBuilder WithVariables(this LakebaseDataSourceBuilder builder, Func<string, string?> variables)
    {
        builder.UseConfiguration(new VariablesConfiguration(variables));
        return builder;
    }
}
