using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

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
    public void A_repeat_without_settings_after_one_with_them_keeps_the_first()
    {
        var services = new ServiceCollection();
        services.AddLakebaseDataSource(configureOptions: o => o.Connection.ApplicationName = "app");
        var before = services.ToList();

        services.AddLakebaseDataSource(); // as a library would, asking for the application's data source

        Assert.Equal(before, services);
    }

    [Fact]
    public void A_repeat_with_settings_in_code_is_refused_rather_than_dropped()
    {
        var services = new ServiceCollection();
        services.AddLakebaseDataSource();

        var error = Assert.Throws<InvalidOperationException>(() => services.AddLakebaseDataSource(configureOptions: o => o.Connection.ApplicationName = "second"));

        Assert.Contains("already registered without a key from the configuration section 'Lakebase'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Register it once, with all its settings in that call (a call without settings after it is ignored).", error.Message, StringComparison.Ordinal);
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
        var before = services.ToList();

        var error = Assert.Throws<InvalidOperationException>(() => services.AddKeyedLakebaseDataSource("1", "Lakebase:Other"));

        Assert.Contains("The Lakebase data source key '1' (String) reads as the same text as the key '1' (Int32)", error.Message, StringComparison.Ordinal);
        Assert.Contains("('Lakebase:1')", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, services);
    }

    [Theory]
    [InlineData("lakebase", false)] // its read-only view would be "lakebase:read-only", the unkeyed data source's
    [InlineData("lakebase:read-only", false)] // the unkeyed data source's read-only view itself
    [InlineData("lakebase:read-only", true)] // registered first, the unkeyed data source's view would take its key
    public void A_key_that_would_take_a_read_only_views_key_is_refused(string key, bool keyedFirst)
    {
        var services = new ServiceCollection();
        if (keyedFirst)
        {
            services.AddKeyedLakebaseDataSource(key, "Lakebase:Other");
        }
        else
        {
            services.AddLakebaseDataSource();
        }

        var before = services.ToList();
        var error = Assert.Throws<InvalidOperationException>(() =>
        {
            if (keyedFirst)
            {
                services.AddLakebaseDataSource();
            }
            else
            {
                services.AddKeyedLakebaseDataSource(key, "Lakebase:Other");
            }
        });

        var (second, first) = keyedFirst ? ("without a key", $"keyed '{key}'") : ($"keyed '{key}'", "without a key");
        Assert.Contains($"The Lakebase data source {second} cannot be registered beside the Lakebase data source {first}", error.Message, StringComparison.Ordinal);
        Assert.Contains("Give the keyed data source a key that neither is 'lakebase' nor ends in ':read-only'.", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, services);
    }

    [Fact]
    public void A_data_source_removed_by_the_application_can_be_replaced_by_one_in_code_but_not_by_another_section()
    {
        var services = new ServiceCollection();
        services.AddLakebaseDataSource(configureOptions: o => o.Connection.ReadEnvironment = false); // nothing set anywhere
        services.RemoveAll<LakebaseDataSource>();

        // Another section would still be bound together with the removed one's: refused.
        var refused = Assert.Throws<InvalidOperationException>(() => services.AddLakebaseDataSource("Test:Lakebase"));
        Assert.Contains("removing its LakebaseDataSource leaves the settings bound from that section registered", refused.Message, StringComparison.Ordinal);

        // Nor is a repeat of the removed section taken as served by it: nothing serves it any more.
        var repeat = Assert.Throws<InvalidOperationException>(() => services.AddLakebaseDataSource());
        Assert.Contains("registering it again from the configuration section 'Lakebase' would bind settings on top of them", repeat.Message, StringComparison.Ordinal);

        // The removed one's section (empty here) still fails validation at start while nothing replaced it.
        using (var before = services.BuildServiceProvider())
        {
            Assert.Throws<OptionsValidationException>(() => before.GetRequiredService<IOptionsMonitor<LakebaseOptions>>().Get(Microsoft.Extensions.Options.Options.DefaultName));
        }

        services.AddLakebaseDataSource(Endpoint, new LakebaseOAuthOptions { WorkspaceHost = "https://adb-1.azuredatabricks.net" }, _ => { });

        Assert.Single(services, d => d.ServiceType == typeof(LakebaseDataSource));
        using (var after = services.BuildServiceProvider())
        {
            Assert.NotNull(after.GetRequiredService<IOptionsMonitor<LakebaseOptions>>().Get(Microsoft.Extensions.Options.Options.DefaultName)); // no longer validated
        }

        var error = Assert.Throws<InvalidOperationException>(() => services.AddLakebaseDataSource(Endpoint, new LakebaseOAuthOptions(), _ => { }));
        Assert.Contains($"already registered without a key (from code, for the endpoint '{Endpoint}')", error.Message, StringComparison.Ordinal);
    }
}
