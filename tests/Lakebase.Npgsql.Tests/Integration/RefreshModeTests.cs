using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Lakebase.Npgsql.Tests.Integration;

/// <summary>The refresh mode reaches the data source's cache from the builder and from configuration.</summary>
[Collection(EmulatorCollection.Name)]
public sealed class RefreshModeTests(EmulatorFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task By_default_a_timer_schedules_the_next_refresh_and_in_lazy_mode_none_does()
    {
        var principal = await fixture.NewPrincipalAsync();
        await using var background = fixture.Builder(principal).Build();
        await using var lazy = fixture.Builder(principal).RefreshMode(LakebaseRefreshMode.Lazy).Build();

        await (await background.OpenConnectionAsync(Ct)).DisposeAsync();
        await (await lazy.OpenConnectionAsync(Ct)).DisposeAsync();

        Assert.NotNull(background.GetCredentialStatus().NextRefreshAt);
        Assert.Null(lazy.GetCredentialStatus().NextRefreshAt);
        Assert.Equal(LakebaseCredentialState.Valid, lazy.GetCredentialStatus().State);
    }

    [Fact]
    public async Task Lakebase_RefreshMode_in_configuration_selects_lazy_mode()
    {
        var principal = await fixture.NewPrincipalAsync();
        var settings = fixture.Settings(principal);
        settings["Lakebase:RefreshMode"] = "Lazy";
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddSingleton(fixture.LoggerFactory);
        services.AddLakebaseDataSource();
        await using var provider = services.BuildServiceProvider();

        var dataSource = provider.GetRequiredService<LakebaseDataSource>();
        await (await dataSource.OpenConnectionAsync(Ct)).DisposeAsync();

        Assert.Null(dataSource.GetCredentialStatus().NextRefreshAt);
        Assert.NotNull(dataSource.GetCredentialStatus().ExpiresAt);
    }
}
