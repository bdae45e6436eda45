using System.Security.Cryptography;
using Lakebase.Npgsql;
using Lakebase.Testing.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Lakebase.Testing.Placement;

/// <summary>
/// The branch of one <see cref="LakebaseTestDatabase"/>: created from the parent with a TTL, deleted on dispose. If the
/// delete fails (or the process dies first), the TTL removes it: that is why there is always one.
/// </summary>
internal sealed class TestBranch : IAsyncDisposable
{
    // Long enough for a slow delete on a busy workspace, short enough that a stuck run still ends.
    private static readonly TimeSpan DeleteTimeout = TimeSpan.FromMinutes(5);

    // The delete of a branch whose creation failed or was cancelled: the TTL remains the safety net past it.
    private static readonly TimeSpan CleanupTimeout = TimeSpan.FromMinutes(1);

    private readonly LakebaseWorkspaceClient _client;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly long _created;

    private TestBranch(LakebaseWorkspaceClient client, LakebaseBranch branch, LakebaseEndpointInfo endpoint, ILogger logger, TimeProvider time)
    {
        _client = client;
        Branch = branch;
        Endpoint = endpoint;
        _logger = logger;
        _time = time;
        _created = time.GetTimestamp();
    }

    public LakebaseBranch Branch { get; }

    public LakebaseEndpointInfo Endpoint { get; }

    /// <summary>Creates the branch and its read-write endpoint; deletes the branch again if the endpoint cannot be had.</summary>
    public static async Task<TestBranch> CreateAsync(string parentBranch, LakebaseOAuthOptions oauth, LakebaseTestDatabaseOptions options, ILogger logger, TimeProvider time, CancellationToken cancellationToken)
    {
        var client = new LakebaseWorkspaceClient(oauth, new LakebaseWorkspaceClientOptions { LoggerFactory = options.LoggerFactory, Configuration = options.Configuration, TimeProvider = time });
        var branchId = NewBranchId(time);
        LakebaseBranch branch;
        try
        {
            branch = await client.CreateBranchAsync(parentBranch, branchId, options.BranchTimeToLive, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is LakebaseException or HttpRequestException or OperationCanceledException)
        {
            try
            {
                if (MayExist(e) && parentBranch.IndexOf("/branches/", StringComparison.Ordinal) is var at and >= 0)
                {
                    await DeleteAsync(client, $"{parentBranch[..at]}/branches/{branchId}", time.GetUtcNow() + options.BranchTimeToLive, logger, time, created: null, CleanupTimeout).ConfigureAwait(false);
                }
            }
            finally
            {
                client.Dispose();
            }

            if (e is OperationCanceledException)
            {
                throw;
            }

            throw new InvalidOperationException(
                $"Could not create the test branch '{branchId}' from the parent branch {parentBranch} " +
                $"(set by LakebaseTestDatabaseOptions.ParentBranch or {LakebaseTestDatabaseOptions.ParentBranchVariable}): {e.Message}", e);
        }
        catch
        {
            client.Dispose();
            throw;
        }

        try
        {
            var endpoint = await client.GetOrCreateReadWriteEndpointAsync(branch.Name, "ep-" + branchId, cancellationToken).ConfigureAwait(false);
            return new TestBranch(client, branch, endpoint, logger, time);
        }
        catch
        {
            await new TestBranch(client, branch, new LakebaseEndpointInfo(string.Empty, null, null, null), logger, time).DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Deletes the branch; a failure is logged, never thrown (the TTL is the safety net).</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await DeleteAsync(_client, Branch.Name, Branch.ExpireTime, _logger, _time, _created, DeleteTimeout).ConfigureAwait(false);
        }
        finally
        {
            _client.Dispose();
        }
    }

    // Whether the workspace may have accepted the branch and still be making it: a wait that timed out or was cancelled,
    // a connection lost after the request, an operation that failed. Not when it refused the request (4xx) or the
    // settings were wrong: then there is nothing to delete. Deleting it now, rather than paying for it until its TTL,
    // is bounded more tightly than a dispose's delete, since the caller may have cancelled to stop.
    private static bool MayExist(Exception e) => e is not LakebaseConfigurationException
        and not LakebaseCredentialException { StatusCode: >= System.Net.HttpStatusCode.BadRequest and < System.Net.HttpStatusCode.InternalServerError };

    // A branch that does not exist is not an error (DeleteBranchAsync); a failure is logged, never thrown.
    private static async Task DeleteAsync(LakebaseWorkspaceClient client, string branch, DateTimeOffset? expireTime, ILogger logger, TimeProvider time, long? created, TimeSpan within)
    {
        try
        {
            using var timeout = new CancellationTokenSource(within, time);
            await client.DeleteBranchAsync(branch, timeout.Token).ConfigureAwait(false);
            if (created is { } since)
            {
                TestKitLog.BranchReleased(logger, branch, time.GetElapsedTime(since));
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            TestKitLog.BranchDeleteFailed(logger, branch, e.Message, expireTime);
        }
    }

    // test-<utc>-<random>: sorts by creation time in the workspace's branch list, and two runs started in the same
    // second (a CI matrix) still get different branches.
    private static string NewBranchId(TimeProvider time) =>
        $"test-{time.GetUtcNow():yyyyMMddHHmmss}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}";
}
