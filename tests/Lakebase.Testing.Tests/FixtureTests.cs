using Lakebase.EntityFrameworkCore.Infrastructure;
using Lakebase.Testing.XunitV3;
using Lakebase.TestUtilities;
using Microsoft.EntityFrameworkCore;
using TodoApp.Data;

namespace Lakebase.Testing.Tests;

/// <summary>The sample's context on the xUnit v3 fixture, with nothing configured (the local emulator).</summary>
public sealed class TodoDatabaseFixture : LakebaseDatabaseFixture<TodoDbContext>
{
    protected override LakebaseTestDatabaseOptions CreateOptions() => new() { Configuration = VariablesConfiguration.From(new Dictionary<string, string?>()) };

    protected override void ConfigureContext(LakebaseDbContextOptionsBuilder lakebase) =>
        lakebase.Npgsql(npgsql => npgsql.MigrationsAssembly(TodoDbContext.MigrationsAssembly));
}

[CollectionDefinition(nameof(TodoDatabaseFixture))]
public sealed class TodoDatabaseCollection : ICollectionFixture<TodoDatabaseFixture>;

/// <summary>
/// Two tests that each write the same row: each sees only its own, with the first identity, because the fixture's
/// database was migrated once and is reset before each test.
/// </summary>
[Collection(nameof(TodoDatabaseFixture))]
public sealed class FixtureTests(TodoDatabaseFixture fixture) : IAsyncLifetime
{
    public async ValueTask InitializeAsync() => await fixture.ResetAsync();

    [Fact]
    public Task A_test_starts_on_a_migrated_empty_database() => WriteOneTodoAndSeeOnlyItAsync();

    [Fact]
    public Task Another_test_does_not_see_the_first_ones_row() => WriteOneTodoAndSeeOnlyItAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task WriteOneTodoAndSeeOnlyItAsync()
    {
        Assert.True(fixture.Database.IsEmulator);
        await using var context = fixture.CreateContext();
        context.Todos.Add(new Todo { Title = "mine" });
        await context.SaveChangesAsync(TestContext.Current.CancellationToken);
        var todos = await context.Todos.ToListAsync(TestContext.Current.CancellationToken);
        Assert.Equal(1, Assert.Single(todos).Id);
        Assert.Single(await context.Database.GetAppliedMigrationsAsync(TestContext.Current.CancellationToken));
    }
}

/// <summary>A context whose constructor fails: the test sees that failure, as it would calling the constructor itself.</summary>
public sealed class FixtureContextCreationTests
{
    [Fact]
    public void A_context_constructor_that_throws_surfaces_its_own_exception_not_reflections_wrapper()
    {
        var error = Assert.Throws<ArgumentException>(() => new ThrowingContextFixture().Create(new DbContextOptions<ThrowingContext>()));

        Assert.Equal("the model needs a tenant id", error.Message);
    }

    public sealed class ThrowingContext : DbContext
    {
        public ThrowingContext(DbContextOptions<ThrowingContext> options)
            : base(options) => throw new ArgumentException("the model needs a tenant id");
    }

    private sealed class ThrowingContextFixture : LakebaseDatabaseFixture<ThrowingContext>
    {
        public ThrowingContext Create(DbContextOptions<ThrowingContext> options) => CreateContext(options);
    }
}
