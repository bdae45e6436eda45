namespace TodoApp.Database;

/// <summary>
/// Whether the app may run on its own local emulator when no Databricks setting is present. Only in Development (what
/// `dotnet run` uses, via Properties/launchSettings.json) or when asked for explicitly: a deployment that lost its
/// settings must stop with the fix, not quietly write todos to a database on its own disk.
/// </summary>
public static class EmulatorFallback
{
    /// <summary>The configuration key of the explicit choice (environment variable <c>Lakebase__UseEmulator</c>).</summary>
    public const string SettingKey = "Lakebase:UseEmulator";

    /// <summary>The same choice as a plain environment variable, for hosts where a "__" name is awkward.</summary>
    public const string EnvironmentVariable = "LAKEBASE_USE_EMULATOR";

    /// <summary>
    /// True to run on the emulator, false to refuse, from the explicit setting when there is one and from the
    /// environment name otherwise.
    /// </summary>
    public static bool IsAllowed(IConfiguration configuration, IHostEnvironment environment) =>
        ExplicitChoice(configuration) ?? environment.IsDevelopment();

    /// <summary>The startup error of an app with no Lakebase settings that may not use the emulator.</summary>
    public static string MissingSettingsMessage(IHostEnvironment environment) =>
        $"No Lakebase settings are set (Lakebase:Endpoint / LAKEBASE_ENDPOINT, Lakebase:WorkspaceHost / DATABRICKS_HOST, " +
        $"and credentials: DATABRICKS_CLIENT_ID + DATABRICKS_CLIENT_SECRET, or DATABRICKS_TOKEN), and the local emulator " +
        $"is used only in the Development environment (this is '{environment.EnvironmentName}'). To use Databricks Lakebase, " +
        $"set LAKEBASE_ENDPOINT, DATABRICKS_HOST and the credentials. To run on a local emulator on purpose, set " +
        $"{EnvironmentVariable}=true (or {SettingKey}=true).";

    private static bool? ExplicitChoice(IConfiguration configuration)
    {
        var text = NullIfBlank(configuration[SettingKey]) ?? NullIfBlank(configuration[EnvironmentVariable]);
        if (text is null)
        {
            return null;
        }

        return bool.TryParse(text.Trim(), out var value)
            ? value
            : throw new DatabaseStartupException(
                $"{SettingKey} ({EnvironmentVariable}) is '{text}': expected true (run on a local emulator when no Lakebase setting is set) or false.");
    }

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
