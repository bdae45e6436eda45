using Lakebase.Emulator;
using Npgsql;

namespace Lakebase.Npgsql.Tests.Workspace;

/// <summary>
/// <see cref="LakebaseWorkspaceClient"/> against the emulator's branch API: a branch per test run, from its parent's
/// data, reached from its endpoint name alone, and gone when deleted; the failures a CI job meets, said plainly.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class BranchClientTests(EmulatorFixture fixture) : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_branch_has_its_parents_rows_keeps_its_writes_to_itself_and_is_gone_once_deleted()
    {
        var principal = await fixture.NewPrincipalAsync();
        var table = "branch_" + Guid.NewGuid().ToString("N")[..12];
        await using (var main = fixture.Builder(principal).Build())
        {
            await ExecuteAsync(main, $"create table {table} (id int); insert into {table} values (1)");
        }

        using var client = Client(principal);
        var branchId = "ci-" + Guid.NewGuid().ToString("N")[..8];
        var branch = await client.CreateBranchAsync(fixture.Emulator.DefaultBranchName, branchId, TimeSpan.FromHours(1), Ct);
        Assert.Equal($"{fixture.Emulator.ProjectName}/branches/{branchId}", branch.Name);
        Assert.NotNull(branch.ExpireTime); // the TTL is the safety net
        var endpoint = await client.GetOrCreateReadWriteEndpointAsync(branch.Name, "ep-" + branchId, Ct);

        // The endpoint name alone: its host is looked up through the workspace API on the first open.
        await using (var onBranch = new LakebaseDataSourceBuilder(endpoint.Name, fixture.OAuthFor(principal))
            .Port(fixture.Emulator.Port).RootCertificate(fixture.Emulator.CaCertificatePath).ReadEnvironment(false).UseLoggerFactory(fixture.LoggerFactory).Build())
        {
            Assert.Equal(1L, await ScalarAsync(onBranch, $"select count(*) from {table}"));
            await ExecuteAsync(onBranch, $"insert into {table} values (2)");
            Assert.Equal(2L, await ScalarAsync(onBranch, $"select count(*) from {table}"));
        }

        await using (var main = fixture.Builder(principal).Build())
        {
            Assert.Equal(1L, await ScalarAsync(main, $"select count(*) from {table}")); // the branch's write stayed there
        }

        await client.DeleteBranchAsync(branch.Name, Ct);
        Assert.Null(await client.GetBranchAsync(branch.Name, Ct));
        await client.DeleteBranchAsync(branch.Name, Ct); // already gone: not an error
        await using var afterDelete = new LakebaseDataSourceBuilder(endpoint.Name, fixture.OAuthFor(principal))
            .Port(fixture.Emulator.Port).RootCertificate(fixture.Emulator.CaCertificatePath).ReadEnvironment(false).Build();
        var error = await Assert.ThrowsAsync<LakebaseCredentialException>(async () => await afterDelete.OpenConnectionAsync(Ct));
        Assert.Equal(LakebaseCredentialError.EndpointNotFound, error.Reason);
    }

    [Fact]
    public async Task A_parent_branch_that_does_not_exist_is_named_in_the_error()
    {
        var principal = await fixture.NewPrincipalAsync();
        using var client = Client(principal);
        var parent = $"{fixture.Emulator.ProjectName}/branches/no-such-parent";

        var error = await Assert.ThrowsAsync<LakebaseCredentialException>(() => client.CreateBranchAsync(parent, "ci-orphan", TimeSpan.FromHours(1), Ct));
        Assert.Contains($"the parent branch {parent} does not exist", error.Message, StringComparison.Ordinal);
        Assert.Contains("LAKEBASE_TEST_PARENT_BRANCH", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_operation_that_ends_in_an_error_is_reported_with_its_code_after_polling()
    {
        var principal = await fixture.NewPrincipalAsync();
        using var client = Client(principal);
        fixture.Emulator.Faults.Branches.FailNextCreations(1, "injected copy failure");

        var error = await Assert.ThrowsAsync<LakebaseCredentialException>(() =>
            client.CreateBranchAsync(fixture.Emulator.DefaultBranchName, "ci-" + Guid.NewGuid().ToString("N")[..8], TimeSpan.FromHours(1), Ct));
        Assert.Contains("failed (INTERNAL_ERROR)", error.Message, StringComparison.Ordinal);
        Assert.Contains("injected copy failure", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Operation_reads_and_deletes_the_workspace_refuses_for_a_while_are_sent_again_and_the_branch_is_made_and_deleted()
    {
        // A busy workspace answers 429 (Retry-After: 1) to two reads of the create operation while it goes on copying:
        // the client reads again after the delay instead of giving up on a branch that is being made.
        var principal = await fixture.NewPrincipalAsync();
        using var client = Client(principal);
        var refusedBefore = fixture.Emulator.Counters.TooManyRequests;
        fixture.Emulator.Faults.Branches.FailNextOperationReads(2, 429);

        var branch = await client.CreateBranchAsync(fixture.Emulator.DefaultBranchName, "ci-" + Guid.NewGuid().ToString("N")[..8], TimeSpan.FromHours(1), Ct);

        Assert.Equal(2, fixture.Emulator.Counters.TooManyRequests - refusedBefore);
        Assert.Contains(fixture.Emulator.Branches, b => b.Name == branch.Name && b.State == "READY");

        // The delete itself refused (503, then 429), then its operation read refused once: sent again, and waited for.
        fixture.Emulator.Faults.Branches.FailNextBranchDeletes(1, 503);
        await client.DeleteBranchAsync(branch.Name, Ct);
        Assert.Null(await client.GetBranchAsync(branch.Name, Ct));

        var second = await client.CreateBranchAsync(fixture.Emulator.DefaultBranchName, "ci-" + Guid.NewGuid().ToString("N")[..8], TimeSpan.FromHours(1), Ct);
        fixture.Emulator.Faults.Branches.FailNextBranchDeletes(1, 429);
        fixture.Emulator.Faults.Branches.FailNextOperationReads(1, 503);
        await client.DeleteBranchAsync(second.Name, Ct);
        Assert.Null(await client.GetBranchAsync(second.Name, Ct));
        Assert.DoesNotContain(fixture.Emulator.Branches, b => b.Name == branch.Name || b.Name == second.Name);
    }

    [Fact]
    public async Task A_malformed_branch_name_is_refused_before_any_call()
    {
        using var client = new LakebaseWorkspaceClient(fixture.OAuthFor(fixture.Emulator.DefaultPrincipal));
        var error = await Assert.ThrowsAsync<LakebaseConfigurationException>(() => client.GetBranchAsync("main", Ct));
        Assert.Contains("projects/<project-id>/branches/<branch-id>", error.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        fixture.Emulator.Faults.Branches.Reset();
        fixture.AssertNoSecretsLogged();
    }

    private LakebaseWorkspaceClient Client(EmulatedPrincipal principal) =>
        new(fixture.OAuthFor(principal), new LakebaseWorkspaceClientOptions { LoggerFactory = fixture.LoggerFactory, OperationTimeout = TimeSpan.FromMinutes(1) });

    private static async Task ExecuteAsync(LakebaseDataSource dataSource, string sql)
    {
        await using var connection = await dataSource.OpenConnectionAsync(Ct);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(Ct);
    }

    private static async Task<object?> ScalarAsync(LakebaseDataSource dataSource, string sql)
    {
        await using var connection = await dataSource.OpenConnectionAsync(Ct);
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync(Ct);
    }
}
