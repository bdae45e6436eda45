using System.Data;
using System.Net;
using System.Text.Json.Nodes;
using Lakebase.TestUtilities;
using Npgsql;

namespace Lakebase.Emulator.Tests;

/// <summary>
/// Branches over the real workspace API: a copy of main's data at creation, reached through its own endpoint with
/// verified TLS and the same tokens; writes stay on their side; deletion ends sessions; the operations are polled.
/// </summary>
[Collection(BranchCollection.Name)]
public sealed class BranchLifecycleTests(BranchFixture fixture)
{
    private LakebaseEmulator Emulator => fixture.Emulator;

    private BranchApi Api => fixture.Api;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_branch_is_a_copy_of_main_at_creation_and_later_writes_stay_on_their_side()
    {
        var token = await Api.CredentialForAsync(Emulator.EndpointName);
        await using (var main = await OpenAsync(Emulator.Host, token))
        {
            await ExecuteAsync(main, "CREATE TABLE orders_copy (id int PRIMARY KEY, item text); INSERT INTO orders_copy VALUES (1, 'apples'), (2, 'pears')");
        }

        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        var started = await Api.StartCreateBranchAsync("copy-test");
        Assert.False(started["done"]!.GetValue<bool>()); // asynchronous: the client must poll
        Assert.EndsWith("/operations/" + started["name"]!.GetValue<string>().Split('/')[^1], started["name"]!.GetValue<string>());
        var created = await Api.WaitAsync(started);
        TestContext.Current.TestOutputHelper?.WriteLine($"branch created and polled to done in {stopwatch.ElapsedMilliseconds} ms");
        Assert.Null(created["error"]);
        Assert.Equal("projects/local/branches/copy-test", created["response"]!["name"]!.GetValue<string>());
        Assert.Equal("READY", created["response"]!["status"]!["current_state"]!.GetValue<string>());
        Assert.True(created["response"]!["status"]!["logical_size_bytes"]!.GetValue<long>() > 0);
        Assert.Equal(Emulator.DefaultBranchName, created["response"]!["status"]!["source_branch"]!.GetValue<string>());
        Assert.Equal("3600s", created["response"]!["spec"]!["ttl"]!.GetValue<string>());

        var endpointCreate = await Api.StartCreateEndpointAsync("projects/local/branches/copy-test", "ep-copy");
        Assert.False(endpointCreate["done"]!.GetValue<bool>());
        var endpointName = (await Api.WaitAsync(endpointCreate))["response"]!["name"]!.GetValue<string>();

        // The plugin's path: the host from the endpoint name, a credential for that endpoint, verify-full there.
        var host = await Api.HostOfAsync(endpointName);
        Assert.NotEqual(Emulator.Host, host);
        Assert.StartsWith("127.0.0.", host, StringComparison.Ordinal);
        var branchToken = await Api.CredentialForAsync(endpointName);
        await using var branch = await OpenAsync(host, branchToken);
        Assert.Equal(2L, await ScalarAsync(branch, "SELECT count(*) FROM orders_copy"));

        await ExecuteAsync(branch, "INSERT INTO orders_copy VALUES (3, 'plums')");
        await using (var main = await OpenAsync(Emulator.Host, token))
        {
            Assert.Equal(2L, await ScalarAsync(main, "SELECT count(*) FROM orders_copy"));
            await ExecuteAsync(main, "DELETE FROM orders_copy WHERE id = 1");
        }

        Assert.Equal(3L, await ScalarAsync(branch, "SELECT count(*) FROM orders_copy"));
        Assert.Equal("apples", await ScalarAsync(branch, "SELECT item FROM orders_copy WHERE id = 1"));

        // One token logs in on every endpoint: main's token on the branch, too.
        await using (var sameToken = await OpenAsync(host, token))
        {
            Assert.Equal(3L, await ScalarAsync(sameToken, "SELECT count(*) FROM orders_copy"));
        }

        await Api.DeleteBranchAsync("projects/local/branches/copy-test");
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Deleting_a_branch_ends_its_sessions_removes_its_copy_and_its_endpoint_answers_404()
    {
        var endpointName = await Api.CreateBranchWithEndpointAsync("delete-test");
        var root = Emulator.BranchClusterRoot("projects/local/branches/delete-test");
        Assert.True(Directory.Exists(root));
        const UnixFileMode ownerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        Assert.Equal(ownerOnly, File.GetUnixFileMode(root!));
        Assert.Equal(ownerOnly, File.GetUnixFileMode(Path.Combine(root!, "socket")));
        Assert.Equal(ownerOnly, File.GetUnixFileMode(Path.Combine(root!, "pgdata")));
        var host = await Api.HostOfAsync(endpointName);
        await using var session = await OpenAsync(host, await Api.CredentialForAsync(endpointName));
        Assert.Equal(1, await ScalarAsync(session, "SELECT 1"));

        var deleted = await Api.DeleteBranchAsync("projects/local/branches/delete-test");
        Assert.Null(deleted["error"]);

        var (status, body) = await Api.SendAsync(HttpMethod.Get, endpointName);
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("RESOURCE_DOES_NOT_EXIST", body["error_code"]!.GetValue<string>());
        Assert.Contains(endpointName, body["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await Api.SendAsync(HttpMethod.Get, "projects/local/branches/delete-test")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Api.SendAsync(HttpMethod.Get, "projects/local/branches/delete-test/endpoints")).Status);

        // The open session ended, and nothing listens on the branch's address any more.
        await Assert.ThrowsAnyAsync<Exception>(() => ScalarAsync(session, "SELECT 1"));
        Assert.Equal(ConnectionState.Closed, session.State);
        await Assert.ThrowsAnyAsync<NpgsqlException>(async () => await OpenAsync(host, await Api.CredentialForAsync(Emulator.EndpointName)));
        Assert.False(Directory.Exists(root));
        Assert.DoesNotContain(Emulator.Branches, b => b.Name == "projects/local/branches/delete-test");
    }

    [Fact]
    public async Task A_branch_expires_on_the_emulators_clock_and_is_deleted()
    {
        var endpointName = await Api.CreateBranchWithEndpointAsync("ttl-test", new JsonObject { ["source_branch"] = Emulator.DefaultBranchName, ["ttl"] = "120s" });
        var (_, branch) = await Api.SendAsync(HttpMethod.Get, "projects/local/branches/ttl-test");
        var expireTime = DateTimeOffset.Parse(branch["status"]!["expire_time"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(expireTime - fixture.Clock.GetUtcNow(), TimeSpan.FromSeconds(118), TimeSpan.FromSeconds(120));
        Assert.Equal("120s", branch["spec"]!["ttl"]!.GetValue<string>());
        await using var session = await OpenAsync(await Api.HostOfAsync(endpointName), await Api.CredentialForAsync(endpointName));

        fixture.Clock.Advance(TimeSpan.FromSeconds(119));
        Assert.Equal(HttpStatusCode.OK, (await Api.SendAsync(HttpMethod.Get, "projects/local/branches/ttl-test")).Status);
        Assert.Equal(1, await ScalarAsync(session, "SELECT 1"));

        fixture.Clock.Advance(TimeSpan.FromSeconds(2));
        await Poll.UntilAsync(() => Emulator.Branches.All(b => b.Name != "projects/local/branches/ttl-test"), TimeSpan.FromSeconds(20), Ct);
        Assert.Equal(HttpStatusCode.NotFound, (await Api.SendAsync(HttpMethod.Get, "projects/local/branches/ttl-test")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Api.SendAsync(HttpMethod.Get, endpointName)).Status);
        await Poll.UntilAsync(() => session.State == ConnectionState.Closed || !SessionAlive(session), TimeSpan.FromSeconds(20), Ct);
    }

    [Fact]
    public async Task A_creation_that_fails_ends_its_operation_in_an_error_and_leaves_no_branch()
    {
        Emulator.Faults.Branches.FailNextCreations(message: "Injected: no room for the copy.");
        var started = await Api.StartCreateBranchAsync("fail-test");
        Assert.False(started["done"]!.GetValue<bool>());

        var finished = await Api.WaitAsync(started);
        Assert.True(finished["done"]!.GetValue<bool>());
        Assert.Null(finished["response"]);
        Assert.Equal("INTERNAL_ERROR", finished["error"]!["error_code"]!.GetValue<string>());
        Assert.Equal("Injected: no room for the copy.", finished["error"]!["message"]!.GetValue<string>());
        Assert.Equal(0, Emulator.Faults.Branches.PendingCreationFailures);
        await Poll.UntilAsync(() => Emulator.Branches.All(b => b.Name != "projects/local/branches/fail-test"), cancellationToken: Ct);
        Assert.Equal(HttpStatusCode.NotFound, (await Api.SendAsync(HttpMethod.Get, "projects/local/branches/fail-test")).Status);

        // The fault was used up: the same id can be created now.
        var retried = await Api.WaitAsync(await Api.StartCreateBranchAsync("fail-test"));
        Assert.Null(retried["error"]);
        await Api.DeleteBranchAsync("projects/local/branches/fail-test");
    }

    [Fact]
    public async Task A_parent_branch_that_does_not_exist_is_404_naming_it()
    {
        var (status, body) = await Api.SendAsync(HttpMethod.Post, "projects/local/branches?branch_id=orphan",
            new JsonObject { ["spec"] = new JsonObject { ["source_branch"] = "projects/local/branches/no-such-parent", ["ttl"] = "600s" } }.ToJsonString());

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("RESOURCE_DOES_NOT_EXIST", body["error_code"]!.GetValue<string>());
        Assert.Contains("'projects/local/branches/no-such-parent'", body["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain(Emulator.Branches, b => b.Name.EndsWith("/orphan", StringComparison.Ordinal));
    }

    private static bool SessionAlive(NpgsqlConnection session)
    {
        try
        {
            using var command = new NpgsqlCommand("SELECT 1", session);
            command.ExecuteScalar();
            return true;
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
        {
            return false;
        }
    }

    internal static async Task<NpgsqlConnection> OpenAsync(LakebaseEmulator emulator, string host, string token)
    {
        var builder = new NpgsqlConnectionStringBuilder(emulator.GetConnectionString())
        {
            Host = host,
            Password = token,
            Pooling = false,
            Timeout = 15,
        };
        Assert.Equal(SslMode.VerifyFull, builder.SslMode);
        var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(Ct);
        return connection;
    }

    private Task<NpgsqlConnection> OpenAsync(string host, string token) => OpenAsync(Emulator, host, token);

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(Ct);
    }

    private static async Task<object?> ScalarAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync(Ct);
    }
}
