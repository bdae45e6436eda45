using Lakebase.TestUtilities;
using Npgsql;

namespace Lakebase.Emulator.Tests;

[Collection(SharedEmulatorCollection.Name)]
public sealed class SessionControlTests(EmulatorFixture fixture)
{
    private LakebaseEmulator Emulator => fixture.Emulator;

    [Fact]
    public async Task Revoking_tokens_refuses_new_logins_but_open_sessions_live_on()
    {
        var token = await Client.MintViaApiAsync(fixture.Http, Emulator);
        await using var open = await Client.OpenAsync(Emulator, token);

        Emulator.RevokeAllTokens();

        Assert.Equal("28P01", (await Client.LoginFailsAsync(Emulator, token)).SqlState);
        Assert.Equal(1, await Client.ScalarAsync(open, "SELECT 1"));

        // Fresh tokens work again.
        await using var fresh = await Client.OpenAsync(Emulator, await Client.MintViaApiAsync(fixture.Http, Emulator));
    }

    [Fact]
    public async Task Dropping_sessions_breaks_the_open_connection()
    {
        await using var open = await Client.OpenAsync(Emulator, Emulator.MintDatabaseToken().Token);
        Assert.Equal(1, await Client.ScalarAsync(open, "SELECT 1"));
        await Poll.UntilAsync(() => Emulator.Counters.LiveSessions >= 1, TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);

        Emulator.DropAllSessions();

        await Assert.ThrowsAnyAsync<NpgsqlException>(() => Client.ScalarAsync(open, "SELECT 1"));
        await Poll.UntilAsync(() => Emulator.Counters.LiveSessions == 0, TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);

        // The compute is still up: the same token logs in again.
        await using var again = await Client.OpenAsync(Emulator, Emulator.MintDatabaseToken().Token);
    }
}
