using Lakebase.Emulator;
using Lakebase.Npgsql;
using Lakebase.TestUtilities;
using Microsoft.Extensions.Logging;

namespace Lakebase.Testing.Tests;

/// <summary>
/// The kit as a CI job runs it, against the emulator's branch API standing in for a workspace: a parent branch
/// configured, one branch created from it (its data a copy of the parent's), migrations and resets on that branch only,
/// the branch deleted at the end.
/// </summary>
public sealed class BranchModeTests : IAsyncLifetime
{
    private readonly CapturingLoggerProvider _logs = new();
    private ILoggerFactory _loggerFactory = null!;
    private LakebaseEmulator _emulator = null!;
    private EmulatedPrincipal _principal = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _loggerFactory = LoggerFactory.Create(b => b.AddProvider(_logs).SetMinimumLevel(LogLevel.Trace));
        _emulator = await LakebaseEmulator.StartAsync(new LakebaseEmulatorOptions(), Ct);
        _principal = await _emulator.AddPrincipalAsync(EmulatedPrincipal.CreateServicePrincipal(), Ct);
    }

    [Fact]
    public async Task With_a_parent_branch_it_runs_on_a_branch_of_its_own_and_deletes_it_at_the_end()
    {
        await using (var main = MainDataSource())
        {
            await TodoDatabase.ExecuteAsync(main, "create table production_rows (id int); insert into production_rows values (1), (2)");
        }

        string branchName;
        await using (var database = await LakebaseTestDatabase.StartAsync(Options(_emulator.DefaultBranchName), Ct))
        {
            Assert.False(database.IsEmulator);
            branchName = database.BranchName!;
            Assert.StartsWith($"{_emulator.ProjectName}/branches/test-", branchName, StringComparison.Ordinal);
            Assert.StartsWith(branchName + "/endpoints/", database.EndpointName, StringComparison.Ordinal);
            var created = Assert.Single(_emulator.Branches, b => b.Name == branchName);
            Assert.Equal(_emulator.DefaultBranchName, created.SourceBranch);
            Assert.Equal(TimeSpan.FromHours(2), created.ExpireTime - created.CreateTime); // the TTL safety net
            Assert.DoesNotContain("Password", database.ConnectionString, StringComparison.OrdinalIgnoreCase);

            // The branch is a copy of the parent's data.
            Assert.Equal(2L, await TodoDatabase.ScalarAsync(database.DataSource, "select count(*) from production_rows"));

            Assert.True(await TodoDatabase.MigrateAsync(database));
            await TodoDatabase.AddTodoAsync(database, "written on the branch");
            await database.ResetAsync(Ct);
            Assert.Equal(0L, await TodoDatabase.ScalarAsync(database.DataSource, "select count(*) from todos"));
            Assert.Equal(1L, await TodoDatabase.ScalarAsync(database.DataSource, "select count(*) from \"__EFMigrationsHistory\""));
            Assert.False(await TodoDatabase.MigrateAsync(database));
        }

        // Dispose deleted the branch; the parent never saw the migrations, the writes or the reset (and PGHOST, which
        // names the parent's host here, did not send the kit there).
        Assert.DoesNotContain(_emulator.Branches, b => b.Name == branchName);
        await using (var main = MainDataSource())
        {
            Assert.Equal(2L, await TodoDatabase.ScalarAsync(main, "select count(*) from production_rows"));
            Assert.Equal(0L, await TodoDatabase.ScalarAsync(main, "select count(*) from pg_tables where tablename = 'todos'"));
        }

        var text = _logs.AllText();
        Assert.Contains($"Test database ready on branch {branchName} (from {_emulator.DefaultBranchName}", text, StringComparison.Ordinal);
        Assert.Contains($"Test branch {branchName} deleted", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_parent_branch_that_does_not_exist_is_named_in_the_error()
    {
        var parent = $"{_emulator.ProjectName}/branches/no-such-parent";

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => LakebaseTestDatabase.StartAsync(Options(parent), Ct));
        Assert.Contains($"from the parent branch {parent}", error.Message, StringComparison.Ordinal);
        Assert.Contains($"the parent branch {parent} does not exist", error.Message, StringComparison.Ordinal);
        Assert.Contains("LAKEBASE_TEST_PARENT_BRANCH", error.Message, StringComparison.Ordinal);
        Assert.Equal([_emulator.DefaultBranchName], _emulator.Branches.Select(b => b.Name));
        EmulatorSecretAssert.DoesNotLeak(_emulator, error.ToString());
    }

    [Fact]
    public async Task A_run_that_cannot_reach_its_branch_deletes_it_before_failing()
    {
        var options = Options(_emulator.DefaultBranchName);
        options.Port = FreePort(); // nothing listens there: the first connection fails

        // What the user sees is the connection failure itself, naming the address it could not reach.
        var error = await Assert.ThrowsAsync<global::Npgsql.NpgsqlException>(() => LakebaseTestDatabase.StartAsync(options, Ct));
        Assert.StartsWith("Failed to connect to ", error.Message, StringComparison.Ordinal);
        Assert.EndsWith($":{options.Port}", error.Message, StringComparison.Ordinal);
        Assert.Equal([_emulator.DefaultBranchName], _emulator.Branches.Select(b => b.Name));
        Assert.Contains("Test branch " + _emulator.ProjectName + "/branches/test-", _logs.AllText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_start_cancelled_while_the_workspace_makes_the_branch_deletes_that_branch()
    {
        // The workspace answers the create at once and copies in the background (a running operation): cancel then.
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var start = LakebaseTestDatabase.StartAsync(Options(_emulator.DefaultBranchName), cancel.Token);
        await Poll.UntilAsync(() => _emulator.Branches.Any(b => b.Name.Contains("/branches/test-", StringComparison.Ordinal)), TimeSpan.FromSeconds(30), Ct);
        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => start);
        Assert.Equal([_emulator.DefaultBranchName], _emulator.Branches.Select(b => b.Name));
    }

    public async ValueTask DisposeAsync()
    {
        // Every log line of the run, the workspace client's and the data source's included, at Trace.
        EmulatorSecretAssert.DoesNotLeak(_emulator, _logs.AllText());
        await _emulator.DisposeAsync();
        _loggerFactory.Dispose();
    }

    // The settings a CI job gives: the parent branch, a principal's credentials, and PG* for the endpoint's port and CA.
    // PGHOST is set to the parent's own host, as a developer's shell may have it: the kit must not follow it.
    private LakebaseTestDatabaseOptions Options(string parentBranch) => new()
    {
        OAuth = new LakebaseOAuthOptions { WorkspaceHost = _emulator.WorkspaceUrl.ToString(), ClientId = _principal.ClientId, ClientSecret = _principal.ClientSecret },
        Configuration = VariablesConfiguration.From(new Dictionary<string, string?>
        {
            [LakebaseTestDatabaseOptions.ParentBranchVariable] = parentBranch,
            ["PGPORT"] = _emulator.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["PGSSLROOTCERT"] = _emulator.CaCertificatePath,
            ["PGHOST"] = _emulator.Host,
        }),
        LoggerFactory = _loggerFactory,
    };

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private LakebaseDataSource MainDataSource() =>
        new LakebaseDataSourceBuilder(_emulator.EndpointName, new LakebaseOAuthOptions { WorkspaceHost = _emulator.WorkspaceUrl.ToString(), ClientId = _principal.ClientId, ClientSecret = _principal.ClientSecret })
            .Host(_emulator.Host).Port(_emulator.Port).RootCertificate(_emulator.CaCertificatePath).ReadEnvironment(false).Build();
}
