using Lakebase.Emulator;
using Lakebase.Npgsql;
using Microsoft.Extensions.Options;

namespace TodoApp.Database;

/// <summary>
/// The no-configuration default: a local Lakebase (workspace OAuth + credential API + TLS PostgreSQL that only accepts
/// minted tokens) started inside the app, so that the app runs through exactly the same Lakebase data source as in
/// production. Once started, its settings fill the "Lakebase" options. Owned by the DI container, which stops it when
/// the app stops.
/// </summary>
public sealed class LocalEmulator(IHostEnvironment environment, ILoggerFactory loggerFactory) : IConfigureOptions<LakebaseOptions>, IAsyncDisposable
{
    private LakebaseEmulator? _emulator;

    public bool IsRunning => _emulator is not null;

    /// <summary>
    /// The emulator's database folder. Persistent, under the content root (samples/TodoApp/.lakebase-emulator,
    /// git-ignored): todos survive restarts, it is easy to find and to delete, and it is a path the PostgreSQL server
    /// user can reach (run as root, the server runs as `postgres`, which cannot enter /root/.local/share).
    /// </summary>
    public string ResolveDataDirectory(string? configured) =>
        Path.GetFullPath(string.IsNullOrWhiteSpace(configured) ? ".lakebase-emulator" : configured, environment.ContentRootPath);

    public async Task StartAsync(string dataDirectory, CancellationToken cancellationToken)
    {
        try
        {
            _emulator = await LakebaseEmulator.StartAsync(
                new LakebaseEmulatorOptions { DataDirectory = dataDirectory, LoggerFactory = new EmulatorLoggerFactory(loggerFactory) },
                cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // The usual causes on a fresh machine: no PostgreSQL binaries, or another copy of the app using the folder.
            throw new DatabaseStartupException(
                $"The local Lakebase emulator did not start ({exception.Message}). It needs the PostgreSQL server binaries " +
                $"(Debian/Ubuntu: apt-get install -y postgresql) and exclusive use of {dataDirectory} (is another TodoApp running? " +
                "Deleting the folder starts over). Or set LAKEBASE_ENDPOINT, DATABRICKS_HOST and credentials to use Databricks Lakebase.",
                exception);
        }
    }

    /// <summary>Points the "Lakebase" options at the running emulator; nothing when it is not running.</summary>
    public void Configure(LakebaseOptions options)
    {
        if (_emulator is not { } emulator)
        {
            return;
        }

        var principal = emulator.DefaultPrincipal;
        options.Endpoint = emulator.EndpointName;
        options.OAuth.WorkspaceHost = emulator.WorkspaceUrl.ToString();
        options.OAuth.ClientId = principal.ClientId;
        options.OAuth.ClientSecret = principal.ClientSecret;
        options.Connection.Host = emulator.Host;
        options.Connection.Port = emulator.Port;
        options.Connection.Database = emulator.Database;
        options.Connection.SslMode = "verify-full";
        options.Connection.RootCertificate = emulator.CaCertificatePath;

        // The emulator is the whole configuration: a developer's PG* variables must not redirect it.
        options.Connection.ReadEnvironment = false;
    }

    public ValueTask DisposeAsync() => _emulator?.DisposeAsync() ?? ValueTask.CompletedTask;

    /// <summary>
    /// The emulator's own messages at their level; everything else it hosts (its internal web server's "Now listening
    /// on ..." lines) only from Warning up, so that the app's own address is the one a newcomer sees.
    /// </summary>
    private sealed class EmulatorLoggerFactory(ILoggerFactory inner) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName) =>
            categoryName.StartsWith("Lakebase.Emulator", StringComparison.Ordinal) ? inner.CreateLogger(categoryName) : new WarningsOnly(inner.CreateLogger(categoryName));

        public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

        public void Dispose()
        {
            // The app owns the inner factory.
        }
    }

    private sealed class WarningsOnly(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning && inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
            }
        }
    }
}
