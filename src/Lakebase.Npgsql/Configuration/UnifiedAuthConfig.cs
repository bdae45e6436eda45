using System.Globalization;

namespace Lakebase.Npgsql.Configuration;

/// <summary>
/// Fills <see cref="LakebaseOAuthOptions"/> the way Databricks unified authentication fills its config: values set in
/// code first, then the <c>DATABRICKS_*</c>/<c>ARM_*</c> environment variables, then one profile of the configuration file.
/// Rules read from the SDKs (databricks-sdk-go <c>config/config_file.go</c> <c>configFileLoader.Configure</c>,
/// databricks-sdk-py <c>databricks/sdk/config.py</c> <c>_known_file_config_loader</c>):
/// <list type="bullet">
/// <item>the file is read only when a profile is named, or when neither a host nor any credential is set;</item>
/// <item>the profile is the named one, else <c>[__settings__] default_profile</c>, else <c>DEFAULT</c>; a named profile that is missing is an error, a missing <c>DEFAULT</c> is not;</item>
/// <item>a value already set is never overwritten by the file.</item>
/// </list>
/// One rule is stricter than the SDKs: a profile whose <c>host</c> differs from the host already set is refused, so a
/// token is only ever sent to the workspace it belongs to.
/// </summary>
internal static class UnifiedAuthConfig
{
    /// <summary>The attributes, with their environment variable, profile key and unified-auth group (null: not a credential).</summary>
    public static readonly AuthAttribute[] Attributes =
    [
        new("host", "DATABRICKS_HOST", null, o => o.WorkspaceHost, (o, v) => o.WorkspaceHost = v),
        new("token", "DATABRICKS_TOKEN", "pat", o => o.Token, (o, v) => o.Token = v),
        new("client_id", "DATABRICKS_CLIENT_ID", "oauth", o => o.ClientId, (o, v) => o.ClientId = v),
        new("client_secret", "DATABRICKS_CLIENT_SECRET", "oauth", o => o.ClientSecret, (o, v) => o.ClientSecret = v),
        new("auth_type", "DATABRICKS_AUTH_TYPE", null, o => o.AuthType, (o, v) => o.AuthType = v),
        new("profile", "DATABRICKS_CONFIG_PROFILE", null, o => o.Profile, (o, v) => o.Profile = v, InFile: false),
        new("config_file", "DATABRICKS_CONFIG_FILE", null, o => o.ConfigFile, (o, v) => o.ConfigFile = v, InFile: false),
        new("databricks_cli_path", "DATABRICKS_CLI_PATH", null, o => o.DatabricksCliPath, (o, v) => o.DatabricksCliPath = v),
        new("metadata_service_url", "DATABRICKS_METADATA_SERVICE_URL", "metadata-service", o => o.MetadataServiceUrl, (o, v) => o.MetadataServiceUrl = v),
        new("azure_workspace_resource_id", "DATABRICKS_AZURE_RESOURCE_ID", "azure", o => o.AzureWorkspaceResourceId, (o, v) => o.AzureWorkspaceResourceId = v),
        new("azure_use_msi", "ARM_USE_MSI", "azure", o => o.AzureUseMsi ? "true" : null, (o, v) => o.AzureUseMsi = ParseBool(v)),
        new("azure_client_id", "ARM_CLIENT_ID", "azure", o => o.AzureClientId, (o, v) => o.AzureClientId = v),
        new("azure_client_secret", "ARM_CLIENT_SECRET", "azure", o => o.AzureClientSecret, (o, v) => o.AzureClientSecret = v),
        new("azure_tenant_id", "ARM_TENANT_ID", "azure", o => o.AzureTenantId, (o, v) => o.AzureTenantId = v),
        new("oidc_token_env", "DATABRICKS_OIDC_TOKEN_ENV", "env-oidc", o => o.OidcTokenEnv, (o, v) => o.OidcTokenEnv = v),
        new("oidc_token_filepath", "DATABRICKS_OIDC_TOKEN_FILEPATH", "file-oidc", o => o.OidcTokenFilePath, (o, v) => o.OidcTokenFilePath = v, Alias: "DATABRICKS_OIDC_TOKEN_FILE"),
        new("token_audience", "DATABRICKS_TOKEN_AUDIENCE", null, o => o.TokenAudience, (o, v) => o.TokenAudience = v),
    ];

    /// <summary>The unified-auth groups of the credentials set (plus <c>token-provider</c> for a delegate).</summary>
    public static IReadOnlyList<string> CredentialGroups(LakebaseOAuthOptions options)
    {
        var groups = Attributes.Where(a => a.Group is not null && a.Get(options) is not null).Select(a => a.Group!).ToList();
        if (options.TokenProvider is not null)
        {
            groups.Add("token-provider");
        }

        return groups.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>Code values, then (when nothing in code names a credential) the environment, then the configuration file.</summary>
    public static LakebaseOAuthOptions Resolve(LakebaseOAuthOptions given, Func<string, string?> getVariable, bool readEnvironment)
    {
        var options = given.Copy();

        // Configuration binds an empty value as "": unset, as the SDKs read an empty variable.
        foreach (var attribute in Attributes)
        {
            if (attribute.Get(options) is { } value && string.IsNullOrWhiteSpace(value))
            {
                attribute.Set(options, null!);
            }
        }
        if (readEnvironment && CredentialGroups(options).Count == 0)
        {
            var environmentHost = Read(getVariable, "DATABRICKS_HOST", null);
            var otherWorkspace = options.WorkspaceHost is { } host && environmentHost is not null && !WorkspaceUrl.SameWorkspace(host, environmentHost);
            if (!otherWorkspace)
            {
                foreach (var attribute in Attributes)
                {
                    if (attribute.Get(options) is null && Read(getVariable, attribute.Environment, attribute.Alias) is { } value)
                    {
                        attribute.Set(options, value);
                    }
                }
            }
        }

        ApplyConfigFile(options, getVariable);
        return options;
    }

    private static void ApplyConfigFile(LakebaseOAuthOptions options, Func<string, string?> getVariable)
    {
        if (options.Profile is null && (CredentialGroups(options).Count > 0 || options.WorkspaceHost is not null || options.AzureWorkspaceResourceId is not null))
        {
            return;
        }

        var path = DatabricksConfigFile.ResolvePath(options.ConfigFile, getVariable);
        DatabricksConfigFile? file;
        try
        {
            file = path is null ? null : DatabricksConfigFile.Load(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            options.ConfigurationProblem = $"The Databricks configuration file {path} could not be read ({e.GetType().Name}): check its permissions or DATABRICKS_CONFIG_FILE.";
            return;
        }

        if (file is null)
        {
            if (options.Profile is not null)
            {
                options.ConfigurationProblem = $"The profile '{options.Profile}' (DATABRICKS_CONFIG_PROFILE or Profile) was named, but the configuration file {path ?? "~/.databrickscfg"} does not exist. " +
                    "Run `databricks auth login --profile " + options.Profile + "`, or point DATABRICKS_CONFIG_FILE at the file.";
            }

            return;
        }

        var name = options.Profile ?? file.SettingsDefaultProfile;
        var isFallback = name is null;
        name ??= DatabricksConfigFile.DefaultProfile;
        if (name == DatabricksConfigFile.SettingsSection)
        {
            options.ConfigurationProblem = $"{DatabricksConfigFile.SettingsSection} is a reserved section name of {file.Path} and cannot be used as a profile.";
            return;
        }

        var values = file.Profile(name);
        if (values is null)
        {
            if (!isFallback)
            {
                options.ConfigurationProblem = $"{file.Path} has no {name} profile configured (profile names are case-sensitive; it has: " +
                    $"{(file.Profiles.Count == 0 ? "none" : string.Join(", ", file.Profiles))}). Fix DATABRICKS_CONFIG_PROFILE, or run `databricks auth login --profile {name}`.";
            }

            return;
        }

        if (values.TryGetValue("host", out var profileHost) && profileHost.Length > 0 && options.WorkspaceHost is { } host && !WorkspaceUrl.SameWorkspace(host, profileHost))
        {
            options.ConfigurationProblem = $"The profile '{name}' in {file.Path} is for the workspace {profileHost}, but the workspace host is {host} (DATABRICKS_HOST or WorkspaceHost). " +
                "Its credentials are never sent to another workspace: unset DATABRICKS_HOST to use the profile's workspace, or name a profile for " + host + ".";
            return;
        }

        foreach (var attribute in Attributes.Where(a => a.InFile))
        {
            if (attribute.Get(options) is null && values.TryGetValue(attribute.Key, out var value) && value.Length > 0)
            {
                attribute.Set(options, value);
            }
        }

        // The Go SDK pins the profile it loaded (the DEFAULT fallback included); the CLI is then asked with --profile.
        options.Profile = name;
        options.LoadedFrom = file.Path;
    }

    private static string? Read(Func<string, string?> getVariable, string name, string? alias) =>
        NonEmpty(getVariable(name)) ?? (alias is null ? null : NonEmpty(getVariable(alias)));

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    /// <summary>Go's strconv.ParseBool spellings.</summary>
    private static bool ParseBool(string value) =>
        value.Trim().ToLower(CultureInfo.InvariantCulture) is "1" or "t" or "true";
}

/// <summary>One unified-auth attribute: its profile key, environment variable, credential group and accessors.</summary>
internal sealed record AuthAttribute(
    string Key,
    string Environment,
    string? Group,
    Func<LakebaseOAuthOptions, string?> Get,
    Action<LakebaseOAuthOptions, string> Set,
    bool InFile = true,
    string? Alias = null);
