using Lakebase.Npgsql.Authentication;
using Lakebase.Npgsql.Credentials;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Time.Testing;

namespace Lakebase.Npgsql.Tests.Authentication;

/// <summary>Workspace tokens are fetched one at a time (issue 16, items 1 and 9), on a fake clock.</summary>
public sealed class WorkspaceTokenFetchTests : IDisposable
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly MemoryCache _cache;
    private int _calls;

    public WorkspaceTokenFetchTests() => _cache = new MemoryCache(new MemoryCacheOptions { Clock = new TimeProviderSystemClock(_clock) });

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_token_provider_that_hangs_ignoring_cancellation_is_abandoned_and_called_again()
    {
        var source = new TokenProviderSource(
            _ => Interlocked.Increment(ref _calls) == 1 ? new ValueTask<LakebaseWorkspaceToken>(new TaskCompletionSource<LakebaseWorkspaceToken>().Task) : Token(),
            _cache,
            _clock);

        var first = source.GetTokenAsync(Ct).AsTask();
        await Lakebase.TestUtilities.Poll.UntilAsync(() => Volatile.Read(ref _calls) == 1, cancellationToken: Ct);
        _clock.Advance(TimeSpan.FromMinutes(1));
        var error = await Assert.ThrowsAsync<LakebaseCredentialException>(() => first.WaitAsync(TimeSpan.FromSeconds(10), Ct));
        Assert.Equal(LakebaseCredentialError.Unavailable, error.Reason);
        Assert.Contains("token provider", error.Message, StringComparison.Ordinal);
        Assert.Contains("cancellation token", error.Message, StringComparison.Ordinal);

        Assert.Equal("workspace-token", await source.GetTokenAsync(Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(10), Ct));
        Assert.Equal(2, _calls);
    }

    [Fact]
    public async Task A_caller_that_cancels_abandons_only_its_own_wait()
    {
        var answer = new TaskCompletionSource<LakebaseWorkspaceToken>(TaskCreationOptions.RunContinuationsAsynchronously);
        var source = new TokenProviderSource(
            async ct =>
            {
                Interlocked.Increment(ref _calls);
                return await answer.Task.WaitAsync(ct);
            },
            _cache,
            _clock);

        using var impatient = new CancellationTokenSource();
        var cancelled = source.GetTokenAsync(impatient.Token).AsTask();
        var patient = source.GetTokenAsync(Ct).AsTask();
        await Lakebase.TestUtilities.Poll.UntilAsync(() => Volatile.Read(ref _calls) == 1, cancellationToken: Ct);
        await impatient.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(TimeSpan.FromSeconds(10), Ct));

        answer.SetResult(new LakebaseWorkspaceToken("workspace-token", _clock.GetUtcNow().AddHours(1)));
        Assert.Equal("workspace-token", await patient.WaitAsync(TimeSpan.FromSeconds(10), Ct));
        Assert.Equal(1, _calls); // the shared fetch went on: nobody asked again
    }

    public void Dispose() => _cache.Dispose();

    private ValueTask<LakebaseWorkspaceToken> Token() => new(new LakebaseWorkspaceToken("workspace-token", _clock.GetUtcNow().AddHours(1)));
}
