using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Lakebase.Npgsql.Tests.DependencyInjection;

/// <summary>
/// One data source per key: a second registration under the same key would replace the first and, for two
/// configuration sections, bind both into one options object (one section's endpoint with the other's secret).
/// </summary>
public sealed class DuplicateRegistrationTests
{
    private const string Endpoint = "projects/p/branches/main/endpoints/primary";

    [Fact]
    public void A_second_section_without_a_key_is_refused_naming_both_and_the_fix_and_changes_nothing()
    {
        var services = new ServiceCollection();
        services.AddLakebaseDataSource("Orders");
        var before = services.ToList();

        var error = Assert.Throws<InvalidOperationException>(() => services.AddLakebaseDataSource("Reports"));

        Assert.Contains("already registered without a key (from the configuration section 'Orders')", error.Message, StringComparison.Ordinal);
        Assert.Contains("from the configuration section 'Reports'", error.Message, StringComparison.Ordinal);
        Assert.Contains("services.AddKeyedLakebaseDataSource(", error.Message, StringComparison.Ordinal);
        Assert.Contains("UseSetting(\"Lakebase:Endpoint\"", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, services);
    }

    [Fact]
    public void Repeating_the_same_section_without_settings_in_code_registers_one_data_source()
    {
        var services = new ServiceCollection();
        services.AddLakebaseDataSource();
        var before = services.ToList();

        // Configuration keys ignore case: "lakebase" is the same section.
        services.AddLakebaseDataSource("lakebase");

        Assert.Equal(before, services);
        Assert.Single(services, d => d.ServiceType == typeof(LakebaseDataSource));
        Assert.Single(services, d => d.ServiceType == typeof(IHostedService));
    }

    [Fact]
    public void A_repeat_with_settings_in_code_is_refused_rather_than_dropped()
    {
        var services = new ServiceCollection();
        services.AddLakebaseDataSource();

        var error = Assert.Throws<InvalidOperationException>(() => services.AddLakebaseDataSource(configureOptions: o => o.Connection.ApplicationName = "second"));

        Assert.Contains("already registered without a key from the configuration section 'Lakebase'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Register it once, with all its settings in that call.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_same_key_twice_in_code_is_refused_and_other_keys_are_separate()
    {
        var services = new ServiceCollection();
        var oauth = new LakebaseOAuthOptions { WorkspaceHost = "https://adb-1.azuredatabricks.net", ClientId = "id", ClientSecret = "do-not-show-this-secret" };
        services.AddKeyedLakebaseDataSource("orders", Endpoint, oauth, _ => { });
        services.AddKeyedLakebaseDataSource("reports", Endpoint, oauth, _ => { });

        var error = Assert.Throws<InvalidOperationException>(() => services.AddKeyedLakebaseDataSource("orders", "projects/p/branches/dev/endpoints/primary", oauth, _ => { }));

        Assert.Contains($"already registered under the key 'orders' (from code, for the endpoint '{Endpoint}')", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("do-not-show-this-secret", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, services.Count(d => d.ServiceType == typeof(LakebaseDataSource)));
    }

    [Fact]
    public void A_section_and_code_under_one_key_are_refused_while_one_without_a_key_and_one_keyed_go_together()
    {
        var services = new ServiceCollection();
        services.AddLakebaseDataSource();
        services.AddKeyedLakebaseDataSource("orders", "Lakebase:Orders");

        var error = Assert.Throws<InvalidOperationException>(() =>
            services.AddKeyedLakebaseDataSource("orders", Endpoint, new LakebaseOAuthOptions { WorkspaceHost = "https://adb-1.azuredatabricks.net" }, _ => { }));

        Assert.Contains("already registered under the key 'orders' (from the configuration section 'Lakebase:Orders')", error.Message, StringComparison.Ordinal);
        Assert.Contains($"cannot be registered again from code, for the endpoint '{Endpoint}'", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, services.Count(d => d.ServiceType == typeof(LakebaseDataSource)));
    }

    [Fact]
    public void Keys_of_different_types_with_the_same_text_are_refused_since_they_would_share_settings()
    {
        var services = new ServiceCollection();
        services.AddKeyedLakebaseDataSource(1, "Lakebase:One");

        var error = Assert.Throws<InvalidOperationException>(() => services.AddKeyedLakebaseDataSource("1", "Lakebase:Other"));

        Assert.Contains("The Lakebase data source key '1' (String) reads as the same text as the key '1' (Int32)", error.Message, StringComparison.Ordinal);
        Assert.Contains("('Lakebase:1')", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("lakebase")] // its read-only view would be "lakebase:read-only", the unkeyed data source's
    [InlineData("lakebase:read-only")] // the unkeyed data source's read-only view itself
    public void A_key_that_would_take_a_read_only_views_key_is_refused(string key)
    {
        var services = new ServiceCollection();
        services.AddLakebaseDataSource();

        var error = Assert.Throws<InvalidOperationException>(() => services.AddKeyedLakebaseDataSource(key, "Lakebase:Other"));

        Assert.Contains($"The Lakebase data source keyed '{key}' cannot be registered beside the Lakebase data source without a key", error.Message, StringComparison.Ordinal);
    }
}
