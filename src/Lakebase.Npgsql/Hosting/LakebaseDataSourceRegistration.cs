using Microsoft.Extensions.DependencyInjection;

namespace Lakebase.Npgsql.Hosting;

/// <summary>
/// Records, in the service collection, each Lakebase data source registration: its key, the names derived from it and
/// what it was registered from, so that a second one that would collide is refused while registering rather than found
/// in production. Left alone, a second <c>AddLakebaseDataSource</c> would replace the first data source and, for two
/// configuration sections, bind both into one options object: one section's endpoint with the other's client secret.
/// </summary>
/// <param name="ServiceKey">The key, null for the data source without one.</param>
/// <param name="OptionsName">The name its <see cref="LakebaseOptions"/> are bound under (from the key's text).</param>
/// <param name="ReadOnlyKey">The key of its read-only view, when it has one.</param>
/// <param name="Section">The configuration section it binds; null when it is configured in code.</param>
/// <param name="Configures">Whether the registration carried settings in code (delegates, or an endpoint and OAuth options).</param>
internal sealed record LakebaseDataSourceRegistration(object? ServiceKey, string OptionsName, string? ReadOnlyKey, string? Section, bool Configures)
{
    /// <summary>Where it came from, in the user's terms.</summary>
    public string Source { get; init; } = "";

    /// <summary>
    /// Records <paramref name="registration"/>, or returns false when it repeats one already there (the same key and
    /// section, and no settings in code in this call): a library and the application may both ask for the default data
    /// source. A second registration under the same key, or one whose options or read-only view would take another's
    /// names, throws, naming both and the fix; the collection is then unchanged.
    /// </summary>
    public static bool TryRecord(IServiceCollection services, LakebaseDataSourceRegistration registration)
    {
        LakebaseDataSourceRegistration? replaced = null;
        foreach (var descriptor in services)
        {
            if (descriptor.ServiceType != typeof(LakebaseDataSourceRegistration) || descriptor.IsKeyedService
                || descriptor.ImplementationInstance is not LakebaseDataSourceRegistration existing)
            {
                continue;
            }

            // The application may have removed the data source (RemoveAll<LakebaseDataSource>() in a test's
            // ConfigureTestServices) to register its own: then nothing serves a repeat, and a replacement is fine unless
            // both bind a section, since removing the data source leaves its bound settings.
            var removed = Equals(registration.ServiceKey, existing.ServiceKey) && !IsRegistered(services, existing.ServiceKey);
            if (!removed && registration.Repeats(existing))
            {
                return false;
            }

            if (removed && (registration.Section is null || existing.Section is null))
            {
                replaced = existing;
                continue;
            }

            if (registration.CollidesWith(existing, removed) is { } error)
            {
                throw error;
            }
        }

        if (replaced is not null)
        {
            services.Remove(services.First(d => !d.IsKeyedService && ReferenceEquals(d.ImplementationInstance, replaced)));
        }

        services.AddSingleton(registration);
        return true;
    }

    private static bool IsRegistered(IServiceCollection services, object? serviceKey) =>
        services.Any(d => d.ServiceType == typeof(LakebaseDataSource) && Equals(d.ServiceKey, serviceKey));

    // A call that brings nothing of its own for a section already registered under its key: what is registered already
    // serves it (with the first call's settings in code, if any).
    private bool Repeats(LakebaseDataSourceRegistration existing) =>
        Equals(ServiceKey, existing.ServiceKey) && !Configures && BindsSameSection(existing);

    // Configuration keys ignore case, so "Lakebase" and "lakebase" are one section.
    private bool BindsSameSection(LakebaseDataSourceRegistration existing) =>
        Section is not null && string.Equals(Section, existing.Section, StringComparison.OrdinalIgnoreCase);

    private InvalidOperationException? CollidesWith(LakebaseDataSourceRegistration existing, bool removed)
    {
        const string TestHint =
            " In a test, point the application's registration at the test database through configuration (for example " +
            "WebApplicationFactory's UseSetting(\"Lakebase:Endpoint\", ...)) rather than registering another.";
        if (Equals(ServiceKey, existing.ServiceKey))
        {
            var which = ServiceKey is null ? "without a key" : $"under the key '{ServiceKey}'";
            if (removed)
            {
                return new InvalidOperationException(
                    $"A Lakebase data source was registered {which} from {existing.Source}, and removing its LakebaseDataSource leaves the settings bound " +
                    $"from that section registered: registering it again from {Source} would bind settings on top of them. Register the replacement in code " +
                    "(AddLakebaseDataSource(endpoint, oauthOptions, ...)) instead." + TestHint);
            }

            if (BindsSameSection(existing))
            {
                return new InvalidOperationException(
                    $"A Lakebase data source is already registered {which} from {existing.Source}. Calling again for it with settings in code " +
                    "would not reach the data source already registered. Register it once, with all its settings in that call (a call without settings after it is ignored)." + TestHint);
            }

            return new InvalidOperationException(
                $"A Lakebase data source is already registered {which} (from {existing.Source}), so it cannot be registered again from {Source}: " +
                "the second registration would replace the first and could mix their settings. For a second database, register it under a key of its own " +
                "(services.AddKeyedLakebaseDataSource(\"reports\", ...)), then resolve it with [FromKeyedServices(\"reports\")] or use it in EF Core with " +
                "UseLakebase(serviceKey: \"reports\")." + TestHint);
        }

        if (string.Equals(OptionsName, existing.OptionsName, StringComparison.Ordinal))
        {
            return new InvalidOperationException(
                $"The Lakebase data source key '{ServiceKey}' ({ServiceKey?.GetType().Name}) reads as the same text as the key '{existing.ServiceKey}' " +
                $"({existing.ServiceKey?.GetType().Name}) already registered, and a data source's settings are named by its key's text ('{OptionsName}'), " +
                "so the two would share one set of settings. Use keys whose text differs.");
        }

        if (Overlaps(ServiceKey as string, existing.ReadOnlyKey) || Overlaps(ReadOnlyKey, existing.ServiceKey as string) || Overlaps(ReadOnlyKey, existing.ReadOnlyKey))
        {
            static string Describe(object? key) => key is null ? "Lakebase data source without a key" : $"Lakebase data source keyed '{key}'";
            return new InvalidOperationException(
                $"The {Describe(ServiceKey)} cannot be registered beside the {Describe(existing.ServiceKey)}: their keys and the keys of their read-only views " +
                $"('{ReadOnlyKey}', '{existing.ReadOnlyKey}') overlap, so one would resolve as the other. Give the keyed data source a key that neither is 'lakebase' nor ends in ':read-only'.");
        }

        return null;
    }

    private static bool Overlaps(string? a, string? b) => a is not null && b is not null && string.Equals(a, b, StringComparison.Ordinal);
}
