using Lakebase.Emulator;
using Lakebase.EntityFrameworkCore.Infrastructure;
using Lakebase.Npgsql;
using Lakebase.Testing.Diagnostics;
using Lakebase.Testing.Placement;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Lakebase.Testing;

/// <summary>
/// A disposable Lakebase database for a test suite. With a parent branch configured
/// (<see cref="LakebaseTestDatabaseOptions.ParentBranch"/> or <c>LAKEBASE_TEST_PARENT_BRANCH</c>, plus the usual
/// <c>DATABRICKS_*</c>) it creates one branch of it, with a TTL as a safety net, and deletes that branch on dispose;
/// with nothing configured it starts the local emulator. Either way it gives a data source, <see cref="DbContextOptions"/>
/// and a connection string without a password, applies EF Core migrations once (<see cref="MigrateAsync{TContext}(Func{DbContextOptions{TContext}, TContext}, Action{LakebaseDbContextOptionsBuilder}?, CancellationToken)"/>)
/// and empties the tables between tests with Respawn (<see cref="ResetAsync"/>).
/// </summary>
/// <remarks>
/// Isolation: one instance is one database of its own, a branch or an emulator. Create one per xUnit collection
/// fixture (or per test class run in parallel): collections that run in parallel then never see each other's data.
/// With a single collection that is one branch per test run. Tests inside one instance share it and run one at a time,
/// reset by <see cref="ResetAsync"/>.
/// </remarks>
public sealed class LakebaseTestDatabase : IAsyncDisposable
{
    private readonly LakebaseEmulator? _emulator;
    private readonly TestBranch? _branch;
    private readonly DatabaseReset _reset;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _migrationGate = new(1, 1);
    private readonly HashSet<Type> _migrated = [];

    private LakebaseTestDatabase(LakebaseDataSource dataSource, LakebaseOAuthOptions oauth, LakebaseEmulator? emulator, TestBranch? branch, LakebaseTestDatabaseOptions options, ILogger logger, TimeProvider time)
    {
        DataSource = dataSource;
        OAuthOptions = oauth;
        _emulator = emulator;
        _branch = branch;
        _logger = logger;
        _time = time;
        _reset = new DatabaseReset(dataSource, options);
        var connection = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
        connection.Remove("Password");
        ConnectionString = connection.ConnectionString;
    }

    /// <summary>The data source on this database (its endpoint, with rotating OAuth credentials and verified TLS).</summary>
    public LakebaseDataSource DataSource { get; }

    /// <summary>The endpoint the tests connect to: the branch's read-write endpoint, or the emulator's.</summary>
    public string EndpointName => DataSource.Endpoint;

    /// <summary>The branch this run created, <c>projects/{p}/branches/test-…</c>; null on the emulator.</summary>
    public string? BranchName => _branch?.Branch.Name;

    /// <summary>Whether this is the local emulator (nothing configured) rather than a branch of a workspace.</summary>
    public bool IsEmulator => _emulator is not null;

    /// <summary>The running emulator, when <see cref="IsEmulator"/>; its principals, CA and admin connection, for tests that need them.</summary>
    public LakebaseEmulator? Emulator => _emulator;

    /// <summary>How the data source authenticates; give the same to an app under test (it holds credentials: never log it).</summary>
    public LakebaseOAuthOptions OAuthOptions { get; }

    /// <summary>An Npgsql connection string to the database, without a password (the data source supplies a fresh token per connection).</summary>
    public string ConnectionString { get; }

    /// <summary>
    /// Creates the branch (or starts the emulator), connects once and returns the database. Bounded by the workspace
    /// client's operation timeout; cancellable (a branch already created is then left to its TTL).
    /// </summary>
    /// <param name="options">Where to run and how to reset; null for the defaults (and the environment).</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The ready database; dispose it at the end of the run.</returns>
    /// <exception cref="InvalidOperationException">The branch could not be created (for instance, the parent branch does not exist); the message names the parent.</exception>
    public static async Task<LakebaseTestDatabase> StartAsync(LakebaseTestDatabaseOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new LakebaseTestDatabaseOptions();
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.BranchTimeToLive, TimeSpan.Zero, nameof(options));
        var logger = (options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger(TestKitLog.Category);
        var time = options.TimeProvider ?? TimeProvider.System;
        var settings = new TestSettings(options);
        var started = time.GetTimestamp();
        return settings.ParentBranch is { } parent
            ? await OnBranchAsync(parent, settings, options, logger, time, started, cancellationToken).ConfigureAwait(false)
            : await OnEmulatorAsync(options, logger, time, started, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Options for <typeparamref name="TContext"/> on this database: <c>UseLakebase(DataSource, configure)</c>.</summary>
    /// <typeparam name="TContext">The context.</typeparam>
    /// <param name="configure">Provider settings, such as <c>l =&gt; l.Npgsql(n =&gt; n.MigrationsAssembly("MyApp.Migrations"))</c>.</param>
    /// <returns>The options.</returns>
    public DbContextOptions<TContext> CreateDbContextOptions<TContext>(Action<LakebaseDbContextOptionsBuilder>? configure = null)
        where TContext : DbContext =>
        new DbContextOptionsBuilder<TContext>().UseLakebase(DataSource, configure).Options;

    /// <summary>
    /// Applies <typeparamref name="TContext"/>'s migrations, once per database: later calls for the same context type
    /// do nothing. Tables the migrations create are what <see cref="ResetAsync"/> empties.
    /// </summary>
    /// <typeparam name="TContext">The context whose migrations to apply.</typeparam>
    /// <param name="createContext">Creates the context from the options this database gives.</param>
    /// <param name="configure">Provider settings (for example the migrations assembly).</param>
    /// <param name="cancellationToken">Cancels the migration.</param>
    /// <returns>True when the migrations ran now; false when they already had on this database.</returns>
    public async Task<bool> MigrateAsync<TContext>(Func<DbContextOptions<TContext>, TContext> createContext, Action<LakebaseDbContextOptionsBuilder>? configure = null, CancellationToken cancellationToken = default)
        where TContext : DbContext
    {
        ArgumentNullException.ThrowIfNull(createContext);
        await _migrationGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_migrated.Contains(typeof(TContext)))
            {
                return false;
            }

            var started = _time.GetTimestamp();
            await using var context = createContext(CreateDbContextOptions<TContext>(configure));
            var pending = (await context.Database.GetPendingMigrationsAsync(cancellationToken).ConfigureAwait(false)).Count();
            await context.Database.MigrateAsync(cancellationToken).ConfigureAwait(false);
            _migrated.Add(typeof(TContext));
            _reset.Forget(); // new tables: Respawn reads the schema again
            TestKitLog.MigrationsApplied(_logger, pending, typeof(TContext).Name, _time.GetElapsedTime(started));
            return true;
        }
        finally
        {
            _migrationGate.Release();
        }
    }

    /// <summary>
    /// As <see cref="MigrateAsync{TContext}(Func{DbContextOptions{TContext}, TContext}, Action{LakebaseDbContextOptionsBuilder}?, CancellationToken)"/>,
    /// for a context with a public constructor taking <c>DbContextOptions&lt;TContext&gt;</c>.
    /// </summary>
    /// <typeparam name="TContext">The context whose migrations to apply.</typeparam>
    /// <param name="configure">Provider settings (for example the migrations assembly).</param>
    /// <param name="cancellationToken">Cancels the migration.</param>
    /// <returns>True when the migrations ran now; false when they already had on this database.</returns>
    public Task<bool> MigrateAsync<TContext>(Action<LakebaseDbContextOptionsBuilder>? configure = null, CancellationToken cancellationToken = default)
        where TContext : DbContext =>
        MigrateAsync<TContext>(ContextFactory.Create, configure, cancellationToken);

    /// <summary>
    /// Empties every table of <see cref="LakebaseTestDatabaseOptions.SchemasToReset"/> (Respawn, identities restarted),
    /// keeping <c>__EFMigrationsHistory</c> and <see cref="LakebaseTestDatabaseOptions.TablesToKeep"/>. Call it
    /// between tests. With no table in the database yet it does nothing (and looks again next time).
    /// </summary>
    /// <param name="cancellationToken">Cancels opening the connection.</param>
    /// <returns>A task that completes when the tables are empty.</returns>
    /// <exception cref="InvalidOperationException">None of <see cref="LakebaseTestDatabaseOptions.SchemasToReset"/> has a table but another schema does (the message names them).</exception>
    public Task ResetAsync(CancellationToken cancellationToken = default) => _reset.ResetAsync(cancellationToken);

    /// <summary>Closes the data source, then deletes the branch (a failure is logged; the TTL remains) or stops the emulator.</summary>
    /// <returns>A task that completes when the branch is gone or the emulator stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync().ConfigureAwait(false);
        if (_branch is not null)
        {
            await _branch.DisposeAsync().ConfigureAwait(false);
        }

        if (_emulator is not null)
        {
            await _emulator.DisposeAsync().ConfigureAwait(false);
        }

        _reset.Dispose();
        _migrationGate.Dispose();
    }

    /// <summary>Describes the database without credentials.</summary>
    /// <returns>Where it runs and the endpoint.</returns>
    public override string ToString() =>
        $"LakebaseTestDatabase {{ {(IsEmulator ? "local emulator" : "branch " + BranchName)}, Endpoint = {EndpointName} }}";

    private static async Task<LakebaseTestDatabase> OnBranchAsync(string parent, TestSettings settings, LakebaseTestDatabaseOptions options, ILogger logger, TimeProvider time, long started, CancellationToken cancellationToken)
    {
        var oauth = options.OAuth ?? LakebaseOAuthOptions.FromEnvironment();
        var branch = await TestBranch.CreateAsync(parent, oauth, options, logger, time, cancellationToken).ConfigureAwait(false);
        try
        {
            // PGHOST is not read: it names the host of some other endpoint; the branch's host is looked up by its name.
            var builder = new LakebaseDataSourceBuilder(branch.Endpoint.Name, oauth).ReadEnvironment(false);
            if (settings.Port is { } port)
            {
                builder.Port(port);
            }

            if (settings.RootCertificate is { } rootCertificate)
            {
                builder.RootCertificate(rootCertificate);
            }

            if (settings.Database is { } databaseName)
            {
                builder.Database(databaseName);
            }

            var database = await ConnectAsync(builder, oauth, null, branch, options, logger, time, cancellationToken).ConfigureAwait(false);
            TestKitLog.BranchDatabaseReady(logger, branch.Branch.Name, parent, database.EndpointName, options.BranchTimeToLive, time.GetElapsedTime(started));
            return database;
        }
        catch
        {
            await branch.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static async Task<LakebaseTestDatabase> OnEmulatorAsync(LakebaseTestDatabaseOptions options, ILogger logger, TimeProvider time, long started, CancellationToken cancellationToken)
    {
        var emulator = await LakebaseEmulator.StartAsync(options.Emulator ?? new LakebaseEmulatorOptions(), cancellationToken).ConfigureAwait(false);
        try
        {
            var oauth = new LakebaseOAuthOptions
            {
                WorkspaceHost = emulator.WorkspaceUrl.ToString(),
                ClientId = emulator.DefaultPrincipal.ClientId,
                ClientSecret = emulator.DefaultPrincipal.ClientSecret,
            };
            var builder = new LakebaseDataSourceBuilder(emulator.EndpointName, oauth)
                .Host(emulator.Host).Port(emulator.Port).RootCertificate(emulator.CaCertificatePath).ReadEnvironment(false);
            var database = await ConnectAsync(builder, oauth, emulator, null, options, logger, time, cancellationToken).ConfigureAwait(false);
            TestKitLog.EmulatorDatabaseReady(logger, database.EndpointName, time.GetElapsedTime(started));
            return database;
        }
        catch
        {
            await emulator.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    // Connects once before handing the database over: a wrong port or CA fails here, in StartAsync, not in the first test.
    private static async Task<LakebaseTestDatabase> ConnectAsync(LakebaseDataSourceBuilder builder, LakebaseOAuthOptions oauth, LakebaseEmulator? emulator, TestBranch? branch, LakebaseTestDatabaseOptions options, ILogger logger, TimeProvider time, CancellationToken cancellationToken)
    {
        builder.UseTimeProvider(time);
        if (options.LoggerFactory is { } loggerFactory)
        {
            builder.UseLoggerFactory(loggerFactory);
        }

        if (options.Configuration is { } configuration)
        {
            builder.UseConfiguration(configuration);
        }

        options.ConfigureDataSource?.Invoke(builder);
        var dataSource = builder.Build();
        try
        {
            await using (await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
            {
            }

            return new LakebaseTestDatabase(dataSource, oauth, emulator, branch, options, logger, time);
        }
        catch
        {
            await dataSource.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
