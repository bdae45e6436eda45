using System.Reflection;
using Lakebase.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Xunit;

namespace Lakebase.Testing.XunitV3;

/// <summary>
/// An xUnit v3 fixture over <see cref="LakebaseTestDatabase"/>: starts it (a branch of
/// <c>LAKEBASE_TEST_PARENT_BRANCH</c>, or the local emulator with nothing configured), applies
/// <typeparamref name="TContext"/>'s migrations once, and deletes the branch (or stops the emulator) at the end.
/// </summary>
/// <remarks>
/// Use it as a collection fixture (<c>ICollectionFixture&lt;…&gt;</c>): each collection gets a database of its own, so
/// collections that xUnit runs in parallel never see each other's data; with one database collection that is one branch
/// per test run. Call <see cref="ResetAsync"/> at the start of each test (or in its constructor's async counterpart,
/// <c>IAsyncLifetime.InitializeAsync</c>). Override <see cref="CreateOptions"/>, <see cref="ConfigureContext"/> or
/// <see cref="CreateContext(DbContextOptions{TContext})"/> to adjust.
/// </remarks>
/// <typeparam name="TContext">The app's context; by default created through its <c>(DbContextOptions&lt;TContext&gt;)</c> constructor.</typeparam>
public class LakebaseDatabaseFixture<TContext> : IAsyncLifetime
    where TContext : DbContext
{
    private LakebaseTestDatabase? _database;

    /// <summary>The database; set by <see cref="InitializeAsync"/>.</summary>
    /// <exception cref="InvalidOperationException">The fixture has not been initialized.</exception>
    public LakebaseTestDatabase Database => _database ?? throw new InvalidOperationException(
        $"{GetType().Name} is not initialized: use it as an xUnit class or collection fixture (xUnit calls InitializeAsync), or call InitializeAsync first.");

    /// <summary>A new context on the database (dispose it).</summary>
    /// <returns>The context.</returns>
    public TContext CreateContext() => CreateContext(Database.CreateDbContextOptions<TContext>(ConfigureContext));

    /// <summary>Empties the database's tables, keeping the migrations history (see <see cref="LakebaseTestDatabase.ResetAsync"/>).</summary>
    /// <returns>A task that completes when the tables are empty.</returns>
    public Task ResetAsync() => Database.ResetAsync(TestContext.Current.CancellationToken);

    /// <summary>Starts the database and applies the migrations.</summary>
    /// <returns>A task that completes when the database is ready.</returns>
    public virtual async ValueTask InitializeAsync()
    {
        _database = await LakebaseTestDatabase.StartAsync(CreateOptions(), TestContext.Current.CancellationToken).ConfigureAwait(false);
        await _database.MigrateAsync<TContext>(CreateContext, ConfigureContext, TestContext.Current.CancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes the branch or stops the emulator.</summary>
    /// <returns>A task that completes when it is done.</returns>
    public virtual async ValueTask DisposeAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync().ConfigureAwait(false);
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>Where the database runs; the defaults (and the environment) unless overridden.</summary>
    /// <returns>The options.</returns>
    protected virtual LakebaseTestDatabaseOptions CreateOptions() => new();

    /// <summary>Provider settings for every context, such as the migrations assembly; none unless overridden.</summary>
    /// <param name="lakebase">The provider's options builder.</param>
    protected virtual void ConfigureContext(LakebaseDbContextOptionsBuilder lakebase)
    {
    }

    /// <summary>Creates a context from <paramref name="options"/>; by default through its <c>(DbContextOptions&lt;TContext&gt;)</c> constructor.</summary>
    /// <param name="options">Options on this database.</param>
    /// <returns>The context.</returns>
    protected virtual TContext CreateContext(DbContextOptions<TContext> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var constructor = typeof(TContext).GetConstructor([typeof(DbContextOptions<TContext>)])
            ?? throw new InvalidOperationException(
                $"{typeof(TContext).Name} has no public constructor taking DbContextOptions<{typeof(TContext).Name}>: override CreateContext(options) in {GetType().Name} to create it.");
        // The constructor's own exception, not reflection's TargetInvocationException around it.
        return (TContext)constructor.Invoke(BindingFlags.DoNotWrapExceptions, binder: null, [options], culture: null);
    }
}
