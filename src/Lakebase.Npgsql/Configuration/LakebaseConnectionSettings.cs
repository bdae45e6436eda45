using Lakebase.Npgsql.Diagnostics;
using Npgsql;

namespace Lakebase.Npgsql.Configuration;

/// <summary>
/// The connection values in force: the builder's, else the <c>PG*</c> environment variables (as Databricks Apps
/// inject them; <c>PGHOST</c> and <c>PGDATABASE</c> only for the endpoint the environment names, if it names one), else
/// <see cref="LakebaseConnectionDefaults"/>. The host may still be unknown; it is then looked up.
/// </summary>
internal sealed record LakebaseConnectionSettings(
    string? Host,
    int Port,
    string Database,
    string? Username,
    SslMode SslMode,
    string? RootCertificate,
    string ApplicationName,
    ReadRouting ReadRouting)
{
    /// <summary>
    /// The endpoint the environment names when its <c>PGHOST</c> or <c>PGDATABASE</c> was set but left unused because
    /// it describes that endpoint, not this one; null otherwise. Logged as a warning when the data source is built.
    /// </summary>
    public string? IgnoredVariablesEndpoint { get; init; }

    public static LakebaseConnectionSettings Resolve(LakebaseConnectionOptions settings, string endpoint, string? clientId, Func<string, string?> getVariable)
    {
        string? Env(string name) => settings.ReadEnvironment && getVariable(name) is { Length: > 0 } value ? value.Trim() : null;

        // PGHOST and PGDATABASE name one endpoint's database (Databricks Apps set them for the first database resource
        // only). They are this data source's only when the environment names no endpoint or names this one: a database
        // token is good on every endpoint of the workspace, so another endpoint's host would log in to the wrong database.
        var environmentEndpoint = settings.ReadEnvironment ? LakebaseEnvironment.ReadEndpoint(getVariable) : null;
        var ownsDatabaseVariables = environmentEndpoint is null || string.Equals(environmentEndpoint, endpoint.Trim(), StringComparison.Ordinal);
        var (environmentHost, environmentDatabase) = (Env("PGHOST"), Env("PGDATABASE"));

        var problems = new List<string>();
        CheckTuning(settings, problems);
        var port = settings.Port ?? ParsePort(Env("PGPORT"), problems) ?? LakebaseConnectionDefaults.Port;
        var rootCertificate = Blank(settings.RootCertificate) ?? Env("PGSSLROOTCERT");
        var sslMode = ResolveSslMode(settings, Env("PGSSLMODE"), rootCertificate, problems);
        if (rootCertificate is not null && !File.Exists(rootCertificate))
        {
            problems.Add($"The root certificate file '{rootCertificate}' (RootCertificate(...) or PGSSLROOTCERT) does not exist: point it at a PEM file " +
                "with the CA that signs the server's certificate, or unset it to trust the system's roots (what Lakebase needs).");
        }

        // A service principal logs in as its application id; a user identity's name is looked up on the first open
        // (SCIM Me) unless Username(...) or PGUSER names it.
        var username = Blank(settings.Username) ?? Env("PGUSER") ?? clientId;
        var readRouting = ReadRouting.Resolve(settings, problems);
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

        var ignoredFor = !ownsDatabaseVariables
            && ((Blank(settings.Host) is null && environmentHost is not null) || (Blank(settings.Database) is null && environmentDatabase is not null))
            ? environmentEndpoint
            : null;
        return new LakebaseConnectionSettings(
            Blank(settings.Host) ?? (ownsDatabaseVariables ? environmentHost : null),
            port,
            Blank(settings.Database) ?? (ownsDatabaseVariables ? environmentDatabase : null) ?? LakebaseConnectionDefaults.Database,
            username,
            sslMode,
            rootCertificate,
            Blank(settings.ApplicationName) ?? Env("PGAPPNAME") ?? LakebaseConnectionDefaults.ApplicationName,
            readRouting)
        {
            IgnoredVariablesEndpoint = ignoredFor,
        };
    }

    /// <summary>The Npgsql connection string (no password: that comes from the credential cache on every open).</summary>
    public NpgsqlConnectionStringBuilder ToConnectionStringBuilder(string host, string? username, LakebaseConnectionOptions settings) => new()
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
        CommandTimeout = settings.CommandTimeout is { } commandTimeout ? Seconds(commandTimeout) : 30,
        MaxPoolSize = settings.MaxPoolSize ?? 100,
        MinPoolSize = settings.MinPoolSize ?? 0,
    };

    private static readonly TimeSpan NpgsqlPruningInterval = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan MaxConnectTimeout = TimeSpan.FromSeconds(1024);

    // Builders check these as they are set; configuration binds whatever the file says.
    private static void CheckTuning(LakebaseConnectionOptions settings, List<string> problems)
    {
        if (settings.Port is { } port && port is < 1 or > 65535)
        {
            problems.Add($"Port {port} is out of range: use 1-65535 (PGPORT; Lakebase listens on 5432).");
        }

        foreach (var (value, key) in new[] { (settings.ConnectionLifetime, "ConnectionLifetime"), (settings.ConnectionIdleLifetime, "ConnectionIdleLifetime"), (settings.TcpKeepAlive, "TcpKeepAlive"), (settings.ConnectTimeout, "ConnectTimeout"), (settings.CommandTimeout, "CommandTimeout"), (settings.WarmUpTimeout, "WarmUpTimeout"), (settings.RefreshBeforeExpiry, "RefreshBeforeExpiry") })
        {
            if (value <= TimeSpan.Zero)
            {
                problems.Add($"{key} {value} must be positive, e.g. \"00:00:30\".");
            }
        }

        // Npgsql takes at most 1024 s, and every wait of an open is bounded by this one.
        if (settings.ConnectTimeout is { } connectTimeout && connectTimeout > MaxConnectTimeout)
        {
            problems.Add($"ConnectTimeout {connectTimeout} is longer than Npgsql allows ({MaxConnectTimeout}): use at most \"00:17:04\"; 30 seconds (the default) covers a cold start.");
        }

        // Npgsql refuses this only when the pool is built, on the first open; here it is a configuration error.
        if (settings.ConnectionIdleLifetime is { } idle && idle > TimeSpan.Zero && idle < NpgsqlPruningInterval)
        {
            problems.Add($"ConnectionIdleLifetime {idle} is shorter than Npgsql's pruning interval ({NpgsqlPruningInterval.TotalSeconds:0} s), which Npgsql refuses: use at least \"00:00:10\".");
        }

        if (settings.MaxPoolSize is < 1 || settings.MinPoolSize is < 0)
        {
            problems.Add("MaxPoolSize must be at least 1 and MinPoolSize at least 0.");
        }

        if (settings.RefreshMode is { } mode && !Enum.IsDefined(mode))
        {
            problems.Add($"RefreshMode {mode} is not a refresh mode: use Background (the default) or Lazy.");
        }
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

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
    /// the default is VerifyFull, and <c>require</c> from configuration or PGSSLMODE means verified too, as Databricks'
    /// own drivers read it. Only an explicit SslMode(Require) in code turns verification off. Modes that may skip TLS
    /// are refused. VerifyCA checks the chain but not the name, so with the system's roots any publicly trusted
    /// certificate for any name would receive the token: without a RootCertificate it is verified as VerifyFull.
    /// </summary>
    private static SslMode ResolveSslMode(LakebaseConnectionOptions settings, string? environment, string? rootCertificate, List<string> problems)
    {
        var (text, source) = !string.IsNullOrWhiteSpace(settings.SslMode) ? (settings.SslMode, "SslMode") : (environment, "PGSSLMODE");
        if (text is null)
        {
            return LakebaseConnectionDefaults.SslMode;
        }

        if (!LakebaseSslModes.TryParse(text, out var mode))
        {
            problems.Add($"{source} '{text}' is not an SSL mode: use verify-full (the default), verify-ca with a root certificate, or require (read as verify-full).");
            return LakebaseConnectionDefaults.SslMode;
        }

        if (mode is SslMode.Disable or SslMode.Allow or SslMode.Prefer && settings.SslModeSetInCode)
        {
            problems.Add($"SSL mode {mode} could send the database token without TLS or to an unverified server: Lakebase needs VerifyFull (the default). " +
                "Remove SslMode(...), or use SslMode(SslMode.Require) only if you must skip certificate verification.");
        }
        else if (mode is SslMode.Disable or SslMode.Allow or SslMode.Prefer)
        {
            problems.Add($"{source} '{text}' could send the database token without TLS or to an unverified server, and Lakebase receives it as a password: " +
                "remove it (verify-full is the default), or in code use SslMode(SslMode.Require) only if you must skip certificate verification.");
        }

        return mode switch
        {
            SslMode.Require => settings.TlsVerificationDisabledInCode ? SslMode.Require : SslMode.VerifyFull,
            SslMode.VerifyCA when rootCertificate is null => SslMode.VerifyFull,
            _ => mode,
        };
    }
}
