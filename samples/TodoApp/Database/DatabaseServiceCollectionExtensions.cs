using Lakebase.Npgsql;
using Microsoft.Extensions.Options;

namespace TodoApp.Database;

public static class DatabaseServiceCollectionExtensions
{
    /// <summary>
    /// The no-configuration default: when the "Lakebase" settings and the environment name no Databricks workspace and
    /// <see cref="EmulatorFallback"/> allows it, <see cref="DatabaseStartup"/> starts <see cref="LocalEmulator"/> and its
    /// settings fill the "Lakebase" options.
    /// </summary>
    public static IServiceCollection AddLocalEmulatorFallback(this IServiceCollection services)
    {
        services.AddSingleton<LocalEmulator>();
        services.AddSingleton<IConfigureOptions<LakebaseOptions>>(provider => provider.GetRequiredService<LocalEmulator>());
        services.AddSingleton<DatabaseStartup>();
        return services;
    }
}
