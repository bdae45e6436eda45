using System.Diagnostics;
using Lakebase.TestUtilities;
using Lakebase.Npgsql;
using Lakebase.Npgsql.Credentials;
using Lakebase.Npgsql.Diagnostics;
using Microsoft.EntityFrameworkCore;

namespace Lakebase.EntityFrameworkCore.Tests.Integration;

/// <summary>What a user sees of credential caching and rotation, through EF Core, against the emulator.</summary>
[Collection(EmulatorCollection.Name)]
public sealed class CredentialRotationTests(EmulatorFixture fixture) : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // The outage's failures are remembered (workspace token and credential each, full jitter, doubling per failure in
    // a row): a few of them can add up to several seconds before the next open asks again.
    private static readonly TimeSpan RecoveryTimeout = TimeSpan.FromSeconds(30);

    private static void PoolingOff(Lakebase.EntityFrameworkCore.Infrastructure.LakebaseDbContextOptionsBuilder lakebase) =>
        lakebase.ConfigureDataSource(b => b.ConnectionStringBuilder.Pooling = false);

    [Fact]
    public async Task The_guides_check_query_returns_the_client_id_and_databricks_postgres()
    {
        var principal = await fixture.NewPrincipalAsync();
        await using var db = fixture.CreateContext(principal);

        var identity = await db.WhoAmIAsync(Ct);

        Assert.Equal(principal.ClientId, identity.User);
        Assert.Equal("databricks_postgres", identity.Database);
        Assert.Equal(LakebaseCredentialState.Valid, db.Database.GetLakebaseCredentialStatus()!.State);
    }

    [Fact]
    public async Task A_hundred_physical_opens_make_one_credential_request()
    {
        var principal = await fixture.NewPrincipalAsync();
        var loginsBefore = fixture.Emulator.Counters.LoginsAccepted;

        for (var i = 0; i < 100; i++)
        {
            await using var db = fixture.CreateContext(principal, PoolingOff);
            await db.Database.OpenConnectionAsync(Ct);
            await db.Database.CloseConnectionAsync();
        }

        Assert.Equal(100, fixture.Emulator.Counters.LoginsAccepted - loginsBefore); // really 100 physical logins
        Assert.Equal(1, fixture.Emulator.Counters.CredentialsMintedFor(principal.ClientId));
    }

    [Fact]
    public async Task Fifty_concurrent_opens_on_an_empty_cache_make_one_credential_request()
    {
        var principal = await fixture.NewPrincipalAsync();
        fixture.Emulator.Faults.ApiLatency = TimeSpan.FromMilliseconds(200); // keep the first request in flight while the others arrive

        var opens = Enumerable.Range(0, 50).Select(_ => Task.Run(async () =>
        {
            await using var db = fixture.CreateContext(principal, PoolingOff);
            await db.Database.OpenConnectionAsync(Ct);
            return (await db.WhoAmIAsync(Ct)).User;
        }, Ct));

        Assert.All(await Task.WhenAll(opens), user => Assert.Equal(principal.ClientId, user));
        Assert.Equal(1, fixture.Emulator.Counters.CredentialsMintedFor(principal.ClientId));
    }

    [Fact]
    public async Task After_the_server_revokes_tokens_the_next_open_succeeds_through_exactly_one_forced_refresh()
    {
        var principal = await NewPrincipalWithCachedCredentialAsync();

        fixture.Emulator.RevokeAllTokens();
        var rejectedBefore = fixture.Emulator.Counters.LoginsRejected;

        await using var db = fixture.CreateContext(principal, PoolingOff);
        var identity = await db.WhoAmIAsync(Ct);

        Assert.Equal(principal.ClientId, identity.User);
        Assert.Equal(1, fixture.Emulator.Counters.LoginsRejected - rejectedBefore); // the stale token was tried once
        Assert.Equal(2, fixture.Emulator.Counters.CredentialsMintedFor(principal.ClientId)); // and replaced once
        Assert.Contains(fixture.Logs.Entries, e => e.EventId.Name == "AuthenticationFailedRetrying");
    }

    [Fact]
    public async Task A_synchronous_open_after_a_revocation_also_recovers_through_one_forced_refresh()
    {
        var principal = await NewPrincipalWithCachedCredentialAsync();
        fixture.Emulator.RevokeAllTokens();

        using var db = fixture.CreateContext(principal, PoolingOff);
        db.Database.OpenConnection();
        var user = db.Database.SqlQueryRaw<string>("SELECT current_user AS \"Value\"").AsEnumerable().Single();

        Assert.Equal(principal.ClientId, user);
        Assert.Equal(2, fixture.Emulator.Counters.CredentialsMintedFor(principal.ClientId));
    }

    [Fact]
    public async Task Concurrent_opens_after_a_revocation_share_one_forced_refresh()
    {
        var principal = await NewPrincipalWithCachedCredentialAsync();

        fixture.Emulator.RevokeAllTokens();
        fixture.Emulator.Faults.ApiLatency = TimeSpan.FromMilliseconds(200);
        var opens = Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            await using var db = fixture.CreateContext(principal, PoolingOff);
            return (await db.WhoAmIAsync(Ct)).User;
        }, Ct));

        Assert.All(await Task.WhenAll(opens), user => Assert.Equal(principal.ClientId, user));
        Assert.Equal(2, fixture.Emulator.Counters.CredentialsMintedFor(principal.ClientId));
    }

    [Fact]
    public async Task With_the_api_down_a_valid_cached_credential_keeps_every_open_working()
    {
        var principal = await NewPrincipalWithCachedCredentialAsync();

        fixture.Emulator.Faults.StartOutage();
        var failures = 0;
        for (var i = 0; i < 20; i++)
        {
            try
            {
                await using var db = fixture.CreateContext(principal, PoolingOff);
                await db.WhoAmIAsync(Ct);
            }
            catch (Exception)
            {
                failures++;
            }
        }

        Assert.Equal(0, failures);
    }

    [Fact]
    public async Task With_the_api_down_and_the_credential_expired_the_error_is_clear_and_service_recovers_when_the_api_returns()
    {
        fixture.Emulator.Faults.TokenLifetimeOverride = TimeSpan.FromSeconds(3);
        var principal = await NewPrincipalWithCachedCredentialAsync();

        fixture.Emulator.Faults.StartOutage();

        // Real time, not a fake clock: the emulator's tokens expire on its own (real) clock, and the client's clock must
        // agree with it. No fixed sleep either: the client's expiry comes from expire_time minus a Date header that has
        // whole seconds, so it can lie up to a second past the server's. Wait until the client itself sees it expired.
        await using (var db = fixture.CreateContext(principal, PoolingOff))
        {
            await Poll.UntilAsync(() => db.Database.GetLakebaseCredentialStatus()!.ExpiresAt <= DateTimeOffset.UtcNow, TimeSpan.FromSeconds(15), Ct);
        }

        await using (var db = fixture.CreateContext(principal, PoolingOff))
        {
            var error = await Assert.ThrowsAsync<LakebaseCredentialException>(() => db.WhoAmIAsync(Ct));
            Assert.Equal(LakebaseCredentialError.Unavailable, error.Reason);
            Assert.Contains("temporarily unavailable", error.Message);
            Assert.Contains(fixture.Emulator.EndpointName, error.Message);
            Assert.Equal(LakebaseCredentialState.Unavailable, db.Database.GetLakebaseCredentialStatus()!.State);
        }

        // The failure is remembered for a short, jittered backoff; after it the next open asks again and connects.
        fixture.Emulator.Faults.EndOutage();
        var user = await Poll.UntilSucceedsAsync(
            async () =>
            {
                await using var db = fixture.CreateContext(principal, PoolingOff);
                return (await db.WhoAmIAsync(Ct)).User;
            },
            RecoveryTimeout,
            Ct);
        Assert.Equal(principal.ClientId, user);
    }

    [Fact]
    public async Task Short_lived_tokens_rotate_in_the_background_without_failed_operations()
    {
        // Real time: the emulator's 3-second tokens expire on its own clock. The loop ends on what it waits for (three
        // background rotations and enough opens), not after a fixed time, and the bound on requests is per elapsed
        // refresh period, so a slow (loaded) machine changes how long it runs, not whether it passes.
        var principal = await fixture.NewPrincipalAsync();
        fixture.Emulator.Faults.TokenLifetimeOverride = TimeSpan.FromSeconds(3);
        var failures = 0;
        var opens = 0;
        var watch = Stopwatch.StartNew();
        while ((fixture.Emulator.Counters.CredentialsMintedFor(principal.ClientId) < 4 || opens < 40) && watch.Elapsed < TimeSpan.FromSeconds(60))
        {
            try
            {
                await using var db = fixture.CreateContext(principal, PoolingOff);
                await db.WhoAmIAsync(Ct);
                opens++;
            }
            catch (Exception)
            {
                failures++;
            }

            await Task.Delay(25, Ct);
        }

        var elapsed = watch.Elapsed;
        var minted = fixture.Emulator.Counters.CredentialsMintedFor(principal.ClientId);
        Assert.Equal(0, failures);
        Assert.True(minted >= 4, $"only {minted} credentials in {elapsed.TotalSeconds:0.0} s: the tokens never rotated");

        // At most one per refresh period (the earliest refresh point is 50 % of 3 s), plus the first: not one per open.
        Assert.InRange(minted, 4, 2 + (int)(elapsed / TimeSpan.FromSeconds(1.5)));
        Assert.True(opens > 3 * minted, $"{opens} opens for {minted} credentials");
    }

    private async Task<Lakebase.Emulator.EmulatedPrincipal> NewPrincipalWithCachedCredentialAsync()
    {
        var principal = await fixture.NewPrincipalAsync();
        await using var warm = fixture.CreateContext(principal, PoolingOff);
        await warm.WhoAmIAsync(Ct);
        return principal;
    }

    public void Dispose()
    {
        fixture.Emulator.Faults.Reset();
        fixture.AssertNoSecretsLogged();
    }
}
