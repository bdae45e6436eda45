using Lakebase.Npgsql.Connection;
using Lakebase.Npgsql.Diagnostics;
using Npgsql;

namespace Lakebase.Npgsql.Configuration;

/// <summary>
/// The connection values in force: the builder's, else the <c>PG*</c> environment variables (as Databricks Apps
/// inject them), else <see cref="LakebaseConnectionDefaults"/>. The host may still be unknown; it is then looked up.
/// </summary>
internal sealed record LakebaseConnectionSettings(
    string? Host,
    int Port,
    string Database,
    string? Username,
    SslMode SslMode,
    string? RootCertificate,
    string ApplicationName)
{
    public static LakebaseConnectionSettings Resolve(LakebaseSettings settings, LakebaseOAuthOptions oauth, Func<string, string?> getVariable)
    {
        string? Env(string name) => settings.ReadEnvironment && getVariable(name) is { Length: > 0 } value ? value.Trim() : null;

        var problems = new List<string>();
        var port = settings.Port ?? ParsePort(Env("PGPORT"), problems) ?? LakebaseConnectionDefaults.Port;
        var sslMode = ResolveSslMode(settings.SslMode, Env("PGSSLMODE"), problems);
        var rootCertificate = settings.RootCertificate ?? Env("PGSSLROOTCERT");
        if (rootCertificate is not null && !File.Exists(rootCertificate))
        {
            problems.Add($"The root certificate file '{rootCertificate}' (RootCertificate(...) or PGSSLROOTCERT) does not exist: point it at a PEM file " +
                "with the CA that signs the server's certificate, or unset it to trust the system's roots (what Lakebase needs).");
        }

        // A service principal logs in as its application id; a user identity's name is looked up on the first open
        // (SCIM Me) unless Username(...) or PGUSER names it.
        var clientId = ServicePrincipalId(oauth, getVariable);
        var username = settings.Username ?? Env("PGUSER") ?? clientId;
        if (clientId is not null && !string.Equals(username, clientId, StringComparison.OrdinalIgnoreCase))
        {
            problems.Add($"The database user '{username}' is not the service principal's client id '{clientId}': a Lakebase token logs in only as the principal it was issued to. " +
                "Remove the Username(...)/PGUSER override (the client id is the default) or set it to the client id, not the principal's display name.");
        }

        if (problems.Count > 0)
        {
            throw new LakebaseConfigurationException(
                "The Lakebase connection settings are not usable:" + Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => " - " + p)));
        }

        return new LakebaseConnectionSettings(
            settings.Host ?? Env("PGHOST"),
            port,
            settings.Database ?? Env("PGDATABASE") ?? LakebaseConnectionDefaults.Database,
            username,
            sslMode,
            rootCertificate,
            settings.ApplicationName ?? Env("PGAPPNAME") ?? LakebaseConnectionDefaults.ApplicationName);
    }

    /// <summary>The Npgsql connection string with the configured user.</summary>
    public NpgsqlConnectionStringBuilder ToConnectionStringBuilder(string host, LakebaseSettings settings) => ToConnectionStringBuilder(host, null, settings);

    /// <summary>The Npgsql connection string (no password: that comes from the credential cache on every open).</summary>
    public NpgsqlConnectionStringBuilder ToConnectionStringBuilder(string host, string? username, LakebaseSettings settings) => new()
    {
        Host = host,
        Port = Port,
        Database = Database,
        Username = username ?? Username,
        SslMode = SslMode,
        RootCertificate = RootCertificate,
        ApplicationName = ApplicationName,
        ConnectionLifetime = Seconds(settings.ConnectionLifetime ?? LakebaseConnectionDefaults.ConnectionLifetime),
        ConnectionIdleLifetime = Seconds(settings.ConnectionIdleLifetime ?? LakebaseConnectionDefaults.ConnectionIdleLifetime),
        TcpKeepAlive = true,
        TcpKeepAliveTime = Seconds(settings.TcpKeepAlive ?? LakebaseConnectionDefaults.TcpKeepAlive),
        TcpKeepAliveInterval = Seconds(settings.TcpKeepAlive ?? LakebaseConnectionDefaults.TcpKeepAlive),
        Timeout = Math.Min(Seconds(settings.ConnectTimeout ?? LakebaseConnectionDefaults.ConnectTimeout), 1024),
        // Lakebase offers no GSSAPI; Npgsql's default (Prefer) costs a round trip per open and, like libpq, repeats
        // the whole login once when it fails, so a rejected token would be tried twice.
        GssEncryptionMode = GssEncryptionMode.Disable,
        MaxPoolSize = settings.MaxPoolSize ?? 100,
        MinPoolSize = settings.MinPoolSize ?? 0,
    };

    private static string? ServicePrincipalId(LakebaseOAuthOptions oauth, Func<string, string?> getVariable)
    {
        try
        {
            return oauth.Plan(getVariable).ServicePrincipalId;
        }
        catch (LakebaseConfigurationException)
        {
            // Reported by the options' own validation.
            return null;
        }
    }

    private static int Seconds(TimeSpan value) => (int)Math.Max(1, Math.Ceiling(value.TotalSeconds));

    private static int? ParsePort(string? value, List<string> problems)
    {
        if (value is null)
        {
            return null;
        }

        if (int.TryParse(value, out var port) && port is > 0 and <= 65535)
        {
            return port;
        }

        problems.Add($"PGPORT '{value}' is not a port number (1-65535); Lakebase listens on 5432.");
        return null;
    }

    /// <summary>
    /// Lakebase receives the database token as a cleartext password inside TLS, so the server must be authenticated:
    /// the default is VerifyFull, and PGSSLMODE=require means verified too, as Databricks' own drivers read it. Only an
    /// explicit SslMode(Require) in code turns verification off. Modes that may skip TLS are refused.
    /// </summary>
    private static SslMode ResolveSslMode(SslMode? configured, string? environment, List<string> problems)
    {
        if (configured is { } mode)
        {
            if (mode is SslMode.Disable or SslMode.Allow or SslMode.Prefer)
            {
                problems.Add($"SSL mode {mode} could send the database token without TLS or to an unverified server: Lakebase needs VerifyFull (the default). " +
                    "Remove SslMode(...), or use SslMode(SslMode.Require) only if you must skip certificate verification.");
            }

            return mode;
        }

        if (environment is null)
        {
            return LakebaseConnectionDefaults.SslMode;
        }

        if (!LakebaseSslModes.TryParse(environment, out var parsed))
        {
            problems.Add($"PGSSLMODE '{environment}' is not an SSL mode: use verify-full (the default), verify-ca or require (read as verify-full).");
            return LakebaseConnectionDefaults.SslMode;
        }

        if (parsed is SslMode.Disable or SslMode.Allow or SslMode.Prefer)
        {
            problems.Add($"PGSSLMODE={environment} would connect without TLS or without verifying the server, and Lakebase receives the database token as a password: " +
                "unset PGSSLMODE or set it to verify-full.");
        }

        return parsed == SslMode.Require ? SslMode.VerifyFull : parsed;
    }
}
