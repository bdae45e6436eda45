using System.Data.Common;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Lakebase.Aspire.Tests.Hosting;
using Lakebase.Npgsql;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using Npgsql.EntityFrameworkCore.PostgreSQL.Infrastructure.Internal;
using OpenTelemetry.Trace;

namespace Lakebase.Aspire.Tests.Client;

/// <summary>
/// builder.AddLakebaseDataSource("db") / AddLakebaseDbContext: where its settings come from and what it adds around
/// the data source. Nothing here opens a connection: resolving the data source makes no network call.
/// </summary>
public sealed class ClientIntegrationTests
{
    private const string InjectedEndpoint = "projects/injected/branches/main/endpoints/ep-injected";

    /// <summary>What an AppHost's WithReference(db) put in the app's environment (hosts read it as configuration).</summary>
    private static readonly Dictionary<string, string?> Injected = new()
    {
        ["LAKEBASE_ENDPOINT"] = InjectedEndpoint,
        ["DATABRICKS_HOST"] = "http://127.0.0.1:41001",
        ["DATABRICKS_CLIENT_ID"] = "7f3c4a8e-6d3b-4c5e-9a51-2f0b9d8c1e42",
        ["DATABRICKS_CLIENT_SECRET"] = "dose-aspire-client-test",
        ["PGHOST"] = "127.0.0.1",
        ["PGPORT"] = "41002",
        ["PGDATABASE"] = "databricks_postgres",
    };

    [Fact]
    public void The_data_source_takes_the_variables_the_AppHost_injected()
    {
        using var host = Build(Injected, b => b.AddLakebaseDataSource("db"));

        var definition = host.Services.GetRequiredService<LakebaseDataSource>().Definition;

        Assert.Equal(InjectedEndpoint, definition.Endpoint);
        Assert.Equal(new Uri("http://127.0.0.1:41001"), definition.WorkspaceUrl);
        Assert.Equal("127.0.0.1", definition.Host);
        Assert.Equal(41002, definition.Port);
        Assert.Equal("databricks_postgres", definition.Database);
        Assert.Contains("oauth-m2m", definition.AuthenticationMethods);
    }

    [Fact]
    public void The_Aspire_Lakebase_name_section_wins_over_the_injected_variables()
    {
        var settings = new Dictionary<string, string?>(Injected)
        {
            ["Aspire:Lakebase:db:Endpoint"] = "projects/configured/branches/dev/endpoints/ep-configured",
            ["Aspire:Lakebase:db:Database"] = "todos",
            ["Aspire:Lakebase:other:Database"] = "not-this-one",
        };
        using var host = Build(settings, b => b.AddLakebaseDataSource("db"));

        var definition = host.Services.GetRequiredService<LakebaseDataSource>().Definition;

        Assert.Equal("projects/configured/branches/dev/endpoints/ep-configured", definition.Endpoint);
        Assert.Equal("todos", definition.Database);
        Assert.Equal(41002, definition.Port); // still from PGPORT
    }

    [Fact]
    public void Missing_settings_stop_the_app_at_start_naming_them()
    {
        using var host = Build(new Dictionary<string, string?> { ["DATABRICKS_HOST"] = "http://127.0.0.1:41001" }, b => b.AddLakebaseDataSource("db"), readEnvironment: false);

        var error = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptionsMonitor<LakebaseOptions>>().Get(Options.DefaultName));

        Assert.Contains("LAKEBASE_ENDPOINT", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void By_default_a_health_check_tracing_and_metrics_are_added()
    {
        using var host = Build(Injected, b => b.AddLakebaseDataSource("db"));

        Assert.Equal(["Lakebase"], HealthCheckNames(host));
        Assert.NotNull(host.Services.GetService<TracerProvider>());
        Assert.NotNull(host.Services.GetService<MeterProvider>());
    }

    [Fact]
    public void Aspire_Lakebase_and_its_name_section_turn_the_health_check_tracing_and_metrics_off()
    {
        var settings = new Dictionary<string, string?>(Injected)
        {
            ["Aspire:Lakebase:DisableHealthChecks"] = "true", // every Lakebase client
            ["Aspire:Lakebase:db:DisableTracing"] = "true",   // this one
            ["Aspire:Lakebase:other:DisableMetrics"] = "true", // another one: not this
        };
        using var host = Build(settings, b => b.AddLakebaseDataSource("db"));

        Assert.Empty(HealthCheckNames(host));
        Assert.Null(host.Services.GetService<TracerProvider>());
        Assert.NotNull(host.Services.GetService<MeterProvider>());
    }

    [Fact]
    public void Code_has_the_last_word_on_the_client_settings()
    {
        var settings = new Dictionary<string, string?>(Injected) { ["Aspire:Lakebase:db:DisableHealthChecks"] = "false" };
        using var host = Build(settings, b => b.AddLakebaseDataSource("db", s => s.DisableHealthChecks = true));

        Assert.Empty(HealthCheckNames(host));
    }

    [Fact]
    public void A_keyed_data_source_is_registered_under_its_name_with_its_own_health_check()
    {
        using var host = Build(Injected, b => b.AddKeyedLakebaseDataSource("orders"));

        Assert.Equal(InjectedEndpoint, host.Services.GetRequiredKeyedService<LakebaseDataSource>("orders").Definition.Endpoint);
        Assert.Null(host.Services.GetService<LakebaseDataSource>());
        Assert.Equal(["Lakebase_orders"], HealthCheckNames(host));
    }

    [Fact]
    public void The_DbContext_uses_the_Lakebase_data_source()
    {
        using var host = Build(Injected, b => b.AddLakebaseDbContext<NotesContext>("db"));

        using var scope = host.Services.CreateScope();
        var context = scope.ServiceProvider.GetRequiredService<NotesContext>();

        Assert.True(context.Database.IsLakebase());
        Assert.Equal(["Lakebase"], HealthCheckNames(host));
    }

    [Fact]
    public void The_data_source_and_a_context_on_the_same_resource_share_one_data_source_and_one_health_check()
    {
        using var host = Build(Injected, b =>
        {
            b.AddLakebaseDataSource("db");
            b.AddLakebaseDbContext<NotesContext>("db");
            b.AddLakebaseDbContext<TagsContext>("DB"); // configuration sections, and so resource names here, ignore case
        });

        Assert.Equal(["Lakebase"], HealthCheckNames(host));
        Assert.NotNull(host.Services.GetRequiredService<HealthCheckService>()); // a duplicate name would throw here, and on every health request
        var dataSource = Assert.Single(host.Services.GetServices<LakebaseDataSource>());
        using var scope = host.Services.CreateScope();
        Assert.Same(dataSource, DataSourceOf(scope.ServiceProvider.GetRequiredService<NotesContext>()));
        Assert.Same(dataSource, DataSourceOf(scope.ServiceProvider.GetRequiredService<TagsContext>()));
    }

    [Fact]
    public void A_context_on_a_second_resource_without_a_key_is_refused_with_the_keyed_registration_to_use()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.AddLakebaseDbContext<NotesContext>("orders");

        var error = Assert.Throws<InvalidOperationException>(() => builder.AddLakebaseDbContext<TagsContext>("catalog"));

        Assert.Contains("already registered for the Lakebase resource 'orders'", error.Message, StringComparison.Ordinal);
        Assert.Contains("builder.AddKeyedLakebaseDataSource(\"catalog\")", error.Message, StringComparison.Ordinal);
        Assert.Contains("UseLakebase(serviceKey: \"catalog\")", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_resource_refused_because_the_app_registered_its_own_data_source_is_refused_again_not_taken_for_registered()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddLakebaseDataSource();

        var first = Assert.Throws<InvalidOperationException>(() => builder.AddLakebaseDataSource("db"));
        var second = Assert.Throws<InvalidOperationException>(() => builder.AddLakebaseDataSource("db"));

        Assert.Contains("already registered without a key (from the configuration section 'Lakebase')", first.Message, StringComparison.Ordinal);
        Assert.Equal(first.Message, second.Message);
        Assert.Single(builder.Services, d => d.ServiceType == typeof(LakebaseDataSource));
    }

    [Fact]
    public void Settings_given_to_a_second_registration_of_the_same_resource_are_refused_rather_than_ignored()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.AddLakebaseDataSource("db");

        var error = Assert.Throws<InvalidOperationException>(() => builder.AddLakebaseDbContext<NotesContext>("db", s => s.DisableHealthChecks = true));

        Assert.Contains("would not reach it", error.Message, StringComparison.Ordinal);
        Assert.Contains("first AddLakebaseDataSource", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_app_referencing_two_resources_connects_each_registration_and_context_to_its_own()
    {
        // What the AppHost gives an app that references two emulators, read back as the host reads its environment.
        var appHost = DistributedApplication.CreateBuilder([]);
        var orders = appHost.AddLakebase("orders");
        var catalog = appHost.AddLakebase("catalog");
        var app = appHost.AddExecutable("app", "app", ".").WithReference(orders).WithReference(catalog);
        AllocatedPorts.Allocate(orders.Resource, workspacePort: 41001, postgresPort: 41002);
        AllocatedPorts.Allocate(catalog.Resource, workspacePort: 41003, postgresPort: 41004);
        var (_, variables) = await ResolvedConfiguration.ForRunAsync(appHost, app.Resource);
        var configuration = variables.ToDictionary(v => v.Key.Replace("__", ":", StringComparison.Ordinal), v => (string?)v.Value, StringComparer.OrdinalIgnoreCase);

        // The emulators write their CA files when they start; validation checks that the named file exists.
        string[] caFiles = [orders.Resource.CaCertificatePath, catalog.Resource.CaCertificatePath];
        try
        {
            foreach (var file in caFiles)
            {
                await File.WriteAllTextAsync(file, "not read here", Ct);
            }

            using var host = Build(configuration, b =>
            {
                b.AddLakebaseDataSource("orders");
                b.AddKeyedLakebaseDataSource("catalog");
                b.Services.AddDbContext<TagsContext>(o => o.UseLakebase(serviceKey: "catalog"));
            });

            var ordersSource = host.Services.GetRequiredService<LakebaseDataSource>();
            var catalogSource = host.Services.GetRequiredKeyedService<LakebaseDataSource>("catalog");
            Assert.Equal((new Uri("http://127.0.0.1:41001"), 41002), (ordersSource.Definition.WorkspaceUrl, ordersSource.Definition.Port));
            Assert.Equal((new Uri("http://127.0.0.1:41003"), 41004), (catalogSource.Definition.WorkspaceUrl, catalogSource.Definition.Port));
            using var scope = host.Services.CreateScope();
            Assert.Same(catalogSource, DataSourceOf(scope.ServiceProvider.GetRequiredService<TagsContext>()));
            Assert.Equal(["Lakebase", "Lakebase_catalog"], HealthCheckNames(host));
        }
        finally
        {
            Array.ForEach(caFiles, File.Delete);
        }
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

#pragma warning disable EF1001 // efcore.pg's options extension holds the data source a context connects through.
    private static DbDataSource? DataSourceOf(DbContext context) =>
        context.GetService<IDbContextOptions>().FindExtension<NpgsqlOptionsExtension>()?.DataSource;
#pragma warning restore EF1001


    private static IHost Build(IReadOnlyDictionary<string, string?> configuration, Action<IHostApplicationBuilder> configure, bool readEnvironment = true)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(configuration);
        configure(builder);
        if (!readEnvironment)
        {
            builder.Services.Configure<LakebaseOptions>(o => o.Connection.ReadEnvironment = false);
        }

        return builder.Build();
    }

    private static string[] HealthCheckNames(IHost host) =>
        [.. host.Services.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations.Select(r => r.Name)];

    public sealed class NotesContext(DbContextOptions<NotesContext> options) : DbContext(options);

    public sealed class TagsContext(DbContextOptions<TagsContext> options) : DbContext(options);
}
