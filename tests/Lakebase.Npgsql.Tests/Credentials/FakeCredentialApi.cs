using Lakebase.Npgsql;
using Lakebase.Npgsql.Credentials;
using Lakebase.Npgsql.Diagnostics;

namespace Lakebase.Npgsql.Tests.Credentials;

/// <summary>
/// Stands in for the credential REST call in cache unit tests: counts requests, mints numbered tokens with a fixed
/// lifetime on the test's clock, and fails on demand. (End-to-end tests use the real emulator over HTTP.)
/// </summary>
internal sealed class FakeCredentialApi(TimeProvider clock, TimeSpan lifetime)
{
    private int _requests;
    private int _answers;

    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Requests answered with a credential (whether or not anyone was still waiting for it).</summary>
    public int Answers => Volatile.Read(ref _answers);

    /// <summary>When set, every request fails with this error.</summary>
    public Func<LakebaseCredentialException>? Failure { get; set; }

    /// <summary>Requests wait for this before answering (to hold concurrent callers in flight).</summary>
    public TaskCompletionSource? Gate { get; set; }

    /// <summary>When false, a request held by <see cref="Gate"/> answers even after its caller cancelled (a response already on its way).</summary>
    public bool HonoursCancellation { get; set; } = true;

    /// <summary>Whether the last request's cancellation token was cancelled (the caller's deadline passed).</summary>
    public bool LastRequestCancelled { get; private set; }

    public async Task<DatabaseCredential> FetchAsync(CancellationToken cancellationToken)
    {
        var number = Interlocked.Increment(ref _requests);
        if (Gate is { } gate)
        {
            try
            {
                await gate.Task.WaitAsync(HonoursCancellation ? cancellationToken : CancellationToken.None);
            }
            catch (OperationCanceledException)
            {
                LastRequestCancelled = true;
                throw;
            }
        }

        if (Failure is { } failure)
        {
            throw failure();
        }

        var now = clock.GetUtcNow();
        Interlocked.Increment(ref _answers);
        return new DatabaseCredential($"token-{number}", now, now + lifetime);
    }

    public static LakebaseCredentialException Unavailable(TimeSpan? retryAfter = null) =>
        new(LakebaseCredentialError.Unavailable, "workspace unavailable (test)", System.Net.HttpStatusCode.ServiceUnavailable, "TEMPORARILY_UNAVAILABLE", retryAfter);

    public static LakebaseCredentialException RateLimited(TimeSpan retryAfter) =>
        new(LakebaseCredentialError.RateLimited, "rate limited (test)", System.Net.HttpStatusCode.TooManyRequests, "REQUEST_LIMIT_EXCEEDED", retryAfter);

    public static LakebaseCredentialException PermissionDenied() =>
        new(LakebaseCredentialError.PermissionDenied, "permission denied (test)", System.Net.HttpStatusCode.Forbidden, "PERMISSION_DENIED");
}
