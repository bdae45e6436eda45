using Lakebase.Npgsql;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lakebase.EntityFrameworkCore.Infrastructure.Internal;

/// <summary>The application singletons a data source uses where its options name none: EF Core's, else the app's (HTTP clients excepted).</summary>
internal readonly record struct LakebaseApplicationServices(
    TimeProvider TimeProvider,
    ILoggerFactory LoggerFactory,
    IHttpClientFactory? HttpClientFactory,
    IConfiguration? Configuration,
    IHostApplicationLifetime? Lifetime)
{
    public static LakebaseApplicationServices Resolve(LakebaseConnectionOptions options, CoreOptionsExtension? core)
    {
        var services = core?.ApplicationServiceProvider;
        return new LakebaseApplicationServices(
            options.TimeProvider ?? services?.GetService<TimeProvider>() ?? TimeProvider.System,
            options.LoggerFactory ?? core?.LoggerFactory ?? services?.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance,
            // Not the application's factory: its clients may follow redirects, and only AddLakebaseDataSource configures ours.
            options.HttpClient is null ? options.HttpClientFactory : null,
            options.Configuration ?? services?.GetService<IConfiguration>(),
            services?.GetService<IHostApplicationLifetime>());
    }

    public void ApplyTo(LakebaseDataSourceBuilder builder)
    {
        builder.UseTimeProvider(TimeProvider).UseLoggerFactory(LoggerFactory);
        if (HttpClientFactory is not null)
        {
            builder.UseHttpClientFactory(HttpClientFactory);
        }

        if (Configuration is not null)
        {
            builder.UseConfiguration(Configuration);
        }
    }
}
