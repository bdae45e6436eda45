using Microsoft.Extensions.Options;
using TodoApp.Configuration;
using TodoApp.Data;

namespace TodoApp.Database;

public static class DatabaseServiceCollectionExtensions
{
    /// <summary>The "Lakebase" options with their validation, the startup steps, and <see cref="TodoDbContext"/> on UseLakebase.</summary>
    public static IServiceCollection AddTodoDatabase(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<LakebaseOptions>().Bind(configuration.GetSection(LakebaseOptions.SectionName));
        services.AddSingleton<IValidateOptions<LakebaseOptions>, LakebaseOptionsValidator>();
        services.AddSingleton<DatabaseTargetAccessor>();
        services.AddSingleton<LocalEmulator>();
        services.AddSingleton<DatabaseStartup>();

        // Options are built once (singleton) from the target chosen at startup; contexts stay scoped per request.
        services.AddDbContext<TodoDbContext>(
            (provider, options) => provider.GetRequiredService<DatabaseTargetAccessor>().Target.Configure(options),
            contextLifetime: ServiceLifetime.Scoped,
            optionsLifetime: ServiceLifetime.Singleton);
        return services;
    }
}
