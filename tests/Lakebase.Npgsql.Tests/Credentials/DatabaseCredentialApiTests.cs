using Lakebase.TestUtilities;
using Microsoft.Extensions.Time.Testing;

namespace Lakebase.Npgsql.Tests.Credentials;

/// <summary>
/// LakebaseDataSource.GetDatabaseCredentialAsync: the credential for another client (psql, pg_dump), from the data
/// source's cache, and never shown by ToString. On a fake clock with a fake credential API.
/// </summary>
public sealed class DatabaseCredentialApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_credential_is_served_from_the_cache_and_its_text_hides_the_token()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
        var api = new CredentialApiHandler(clock);
        using var http = new HttpClient(api);
        await using var dataSource = new LakebaseDataSourceBuilder("projects/p/branches/b/endpoints/e", new LakebaseOAuthOptions { WorkspaceHost = "https://workspace.example", Token = "dapi0123456789abcdef0123456789abcdef" })
            .Host("db.example").Username("app").UseHttpClient(http).UseTimeProvider(clock).ReadEnvironment(false)
            .WithVariables(_ => null)
            .Build();

        var first = await dataSource.GetDatabaseCredentialAsync(Ct);
        clock.Advance(TimeSpan.FromMinutes(10));
        var second = await dataSource.GetDatabaseCredentialAsync(Ct);

        Assert.Equal("app", first.Username);
        Assert.Equal("lbdb_test", first.Token);
        Assert.Equal(clock.Start.AddHours(1), first.ExpiresAt);
        Assert.Equal(first.Token, second.Token);
        Assert.Equal(1, api.Requests); // the second came from the cache
        SecretAssert.DoesNotLeak(first.ToString(), ("database token", first.Token));
        Assert.Contains("app", first.ToString(), StringComparison.Ordinal);
    }
}
