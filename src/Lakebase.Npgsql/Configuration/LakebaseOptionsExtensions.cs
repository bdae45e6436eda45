using Npgsql;

namespace Lakebase.Npgsql.Configuration;

/// <summary>Turns bound <see cref="LakebaseOptions"/> into a <see cref="LakebaseDataSourceBuilder"/>.</summary>
internal static class LakebaseOptionsExtensions
{
    public static LakebaseDataSourceBuilder CreateBuilder(this LakebaseOptions options, Func<string, string?> getVariable)
    {
        var resolved = options.ReadEnvironment ? LakebaseEnvironment.Apply(options.Clone(), getVariable) : options;
        var builder = new LakebaseDataSourceBuilder(resolved.Endpoint ?? string.Empty, resolved.ToOAuthOptions()) { Variables = getVariable }.ReadEnvironment(resolved.ReadEnvironment);
        Apply(resolved.Host, builder.Host);
        Apply(resolved.Port, builder.Port);
        Apply(resolved.Database, builder.Database);
        Apply(resolved.Username, builder.Username);
        if (resolved.SslMode is { } text && LakebaseSslModes.TryParse(text, out var sslMode))
        {
            // Configuration speaks libpq: "require" there means verified, as Databricks' drivers read it. Only code
            // can turn verification off.
            builder.SslMode(sslMode == SslMode.Require ? SslMode.VerifyFull : sslMode);
        }

        Apply(resolved.RootCertificate, builder.RootCertificate);
        Apply(resolved.ApplicationName, builder.ApplicationName);
        Apply(resolved.ConnectionLifetime, builder.ConnectionLifetime);
        Apply(resolved.ConnectionIdleLifetime, builder.ConnectionIdleLifetime);
        Apply(resolved.TcpKeepAlive, builder.TcpKeepAlive);
        Apply(resolved.ConnectTimeout, builder.ConnectTimeout);
        Apply(resolved.MaxPoolSize, builder.MaxPoolSize);
        Apply(resolved.MinPoolSize, builder.MinPoolSize);
        Apply(resolved.RefreshBeforeExpiry, builder.RefreshBeforeExpiry);
        Apply(resolved.RefreshMode, builder.RefreshMode);
        return builder;
    }

    /// <summary>The workspace authentication part of the options (blank values count as unset).</summary>
    public static LakebaseOAuthOptions ToOAuthOptions(this LakebaseOptions options) => new()
    {
        WorkspaceHost = NullIfBlank(options.WorkspaceHost),
        ClientId = NullIfBlank(options.ClientId),
        ClientSecret = NullIfBlank(options.ClientSecret),
        Token = NullIfBlank(options.Token),
        TokenProvider = options.TokenProvider,
        AuthType = NullIfBlank(options.AuthType),
        Profile = NullIfBlank(options.Profile),
        ConfigFile = NullIfBlank(options.ConfigFile),
        DatabricksCliPath = NullIfBlank(options.DatabricksCliPath),
        MetadataServiceUrl = NullIfBlank(options.MetadataServiceUrl),
        OidcTokenEnv = NullIfBlank(options.OidcTokenEnv),
        OidcTokenFilePath = NullIfBlank(options.OidcTokenFilePath),
        TokenAudience = NullIfBlank(options.TokenAudience),
        AzureWorkspaceResourceId = NullIfBlank(options.AzureWorkspaceResourceId),
        AzureUseMsi = options.AzureUseMsi,
        AzureClientId = NullIfBlank(options.AzureClientId),
        AzureClientSecret = NullIfBlank(options.AzureClientSecret),
        AzureTenantId = NullIfBlank(options.AzureTenantId),
        ConfigurationProblem = options.ConfigurationProblem,
    };

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static void Apply<T>(T? value, Func<T, LakebaseDataSourceBuilder> set)
        where T : class
    {
        if (value is not null && (value is not string text || !string.IsNullOrWhiteSpace(text)))
        {
            set(value);
        }
    }

    private static void Apply<T>(T? value, Func<T, LakebaseDataSourceBuilder> set)
        where T : struct
    {
        if (value is { } given)
        {
            set(given);
        }
    }
}
