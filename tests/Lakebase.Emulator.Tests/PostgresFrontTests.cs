using System.Diagnostics;
using Npgsql;

namespace Lakebase.Emulator.Tests;

[Collection(SharedEmulatorCollection.Name)]
public sealed class PostgresFrontTests(EmulatorFixture fixture)
{
    private LakebaseEmulator Emulator => fixture.Emulator;

    [Fact]
    public async Task Minted_token_logs_in_as_the_client_id_over_tls()
    {
        var token = await Client.MintViaApiAsync(fixture.Http, Emulator);
        await using var connection = await Client.OpenAsync(Emulator, token);
        await using var command = new NpgsqlCommand("SELECT current_user, current_database()", connection);
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        Assert.True(await reader.ReadAsync(TestContext.Current.CancellationToken));
        Assert.Equal(Emulator.DefaultPrincipal.ClientId, reader.GetString(0));
        Assert.Equal("databricks_postgres", reader.GetString(1));
    }

    [Fact]
    public async Task Default_principal_can_create_tables_and_crud_and_others_can_use_them()
    {
        var ct = TestContext.Current.CancellationToken;
        var table = "t_" + Guid.NewGuid().ToString("N")[..8];
        await using (var owner = await Client.OpenAsync(Emulator, Emulator.MintDatabaseToken().Token))
        {
            await Client.ScalarAsync(owner, $"CREATE TABLE {table} (id serial PRIMARY KEY, name text NOT NULL)");
            await Client.ScalarAsync(owner, $"INSERT INTO {table} (name) VALUES ('a')");
            await Client.ScalarAsync(owner, $"UPDATE {table} SET name = 'b'");
        }

        var other = await Emulator.AddPrincipalAsync(EmulatedPrincipal.CreateServicePrincipal(), ct);
        await using var second = await Client.OpenAsync(Emulator, Emulator.MintDatabaseToken(other).Token, other);
        await Client.ScalarAsync(second, $"INSERT INTO {table} (name) VALUES ('c')");
        Assert.Equal(2L, await Client.ScalarAsync(second, $"SELECT count(*) FROM {table}"));
        await Client.ScalarAsync(second, $"DELETE FROM {table}");
    }

    [Fact]
    public async Task Plaintext_connection_is_refused()
    {
        var error = await Client.LoginFailsAsync(Emulator, Emulator.MintDatabaseToken().Token, sslMode: SslMode.Disable);
        Assert.Equal("28000", error.SqlState);
        Assert.Contains("sslmode=require", error.MessageText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_minted_for_another_role_is_refused()
    {
        var other = await Emulator.AddPrincipalAsync(EmulatedPrincipal.CreateServicePrincipal(), TestContext.Current.CancellationToken);
        var error = await Client.LoginFailsAsync(Emulator, Emulator.MintDatabaseToken(other).Token);
        Assert.Equal("28P01", error.SqlState);
        Assert.Equal($"password authentication failed for user \"{Emulator.DefaultPrincipal.ClientId}\"", error.MessageText);
    }

    [Fact]
    public async Task Workspace_token_and_pat_are_not_passwords()
    {
        var workspaceToken = await Client.GetWorkspaceTokenAsync(fixture.Http, Emulator);
        Assert.Equal("28P01", (await Client.LoginFailsAsync(Emulator, workspaceToken)).SqlState);

        var user = await Emulator.AddPrincipalAsync(EmulatedPrincipal.CreateUser($"pat-{Guid.NewGuid():N}@example.com"), TestContext.Current.CancellationToken);
        Assert.Equal("28P01", (await Client.LoginFailsAsync(Emulator, user.PersonalAccessToken!, user)).SqlState);
    }

    [Fact]
    public async Task Missing_role_reaches_the_client_as_the_server_reports_it()
    {
        var roleless = await Emulator.AddPrincipalAsync(EmulatedPrincipal.CreateServicePrincipal(createRole: false), TestContext.Current.CancellationToken);
        var error = await Client.LoginFailsAsync(Emulator, Emulator.MintDatabaseToken(roleless).Token, roleless);
        Assert.Equal("28000", error.SqlState);
        Assert.Contains($"role \"{roleless.ClientId}\" does not exist", error.MessageText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Created_database_is_usable_like_databricks_postgres()
    {
        var name = "db_" + Guid.NewGuid().ToString("N")[..8];
        await Emulator.CreateDatabaseAsync(name, TestContext.Current.CancellationToken);
        var builder = new NpgsqlConnectionStringBuilder(Emulator.GetConnectionString(database: name)) { Password = Emulator.MintDatabaseToken().Token, Pooling = false };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await Client.ScalarAsync(connection, "CREATE TABLE items (id int PRIMARY KEY)");
        Assert.Equal(name, await Client.ScalarAsync(connection, "SELECT current_database()"));
    }

    [Fact]
    public async Task Unknown_database_error_is_relayed()
    {
        var builder = new NpgsqlConnectionStringBuilder(Emulator.GetConnectionString(database: "no_such_db")) { Password = Emulator.MintDatabaseToken().Token, Pooling = false };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        var error = await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync(TestContext.Current.CancellationToken));
        Assert.Equal("3D000", error.SqlState);
    }

    [Fact]
    public async Task Cancel_request_reaches_the_private_server()
    {
        await using var connection = await Client.OpenAsync(Emulator, Emulator.MintDatabaseToken().Token);
        await using var command = new NpgsqlCommand("SELECT pg_sleep(30)", connection);
        var stopwatch = Stopwatch.StartNew();
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cancel.CancelAfter(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => command.ExecuteScalarAsync(cancel.Token));
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"cancel took {stopwatch.Elapsed}");

        // The session survives a cancelled statement.
        Assert.Equal(1, await Client.ScalarAsync(connection, "SELECT 1"));
    }

    [Fact]
    public async Task Admin_connection_string_reaches_the_private_server_as_superuser()
    {
        await using var connection = new NpgsqlConnection(Emulator.AdminConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        Assert.Equal(true, await Client.ScalarAsync(connection, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"));
        Assert.Equal(Emulator.DefaultPrincipal.ClientId, await Client.ScalarAsync(connection, $"SELECT databricks_create_role('{Emulator.DefaultPrincipal.ClientId}', 'SERVICE_PRINCIPAL')"));
    }

    [Fact]
    public async Task Relay_carries_large_results_both_ways()
    {
        await using var connection = await Client.OpenAsync(Emulator, Emulator.MintDatabaseToken().Token);
        var big = new string('x', 1_000_000);
        await using var command = new NpgsqlCommand("SELECT length(@p), repeat('y', 2000000)", connection);
        command.Parameters.AddWithValue("p", big);
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        Assert.True(await reader.ReadAsync(TestContext.Current.CancellationToken));
        Assert.Equal(1_000_000, reader.GetInt32(0));
        Assert.Equal(2_000_000, reader.GetString(1).Length);
    }
}
