using Lakebase.EntityFrameworkCore.Connection;
using Lakebase.EntityFrameworkCore.Infrastructure;
using Lakebase.Npgsql;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;
using Npgsql.EntityFrameworkCore.PostgreSQL;

namespace Lakebase.EntityFrameworkCore.Tests.Infrastructure;

/// <summary>
/// Which execution strategy a context gets: the streaming default, EF Core's buffering one on request, none when turned
/// off, the application's own when its Npgsql options name one; and the same with an internal service provider of
/// the application's. Building options and contexts contacts nothing, so no server is needed.
/// </summary>
public sealed class ExecutionStrategySelectionTests : IAsyncLifetime
{
    private readonly LakebaseDataSource _dataSource = UnconnectedDataSource.Create("ep-strategy");

    public static TheoryData<bool> InternalServiceProvider => [false, true];

    [Theory]
    [MemberData(nameof(InternalServiceProvider))]
    public void The_default_streams_and_EF_Cores_buffering_strategy_is_one_call_away(bool ownServiceProvider)
    {
        var streaming = StrategyOf(ownServiceProvider, null);
        Assert.IsType<LakebaseExecutionStrategy>(streaming);
        Assert.False(streaming.RetriesOnFailure); // EF Core buffers query results only when this is true

        var buffering = StrategyOf(ownServiceProvider, lb => lb.EnableRetryOnFailure(3));
        Assert.IsType<LakebaseRetryingExecutionStrategy>(buffering);
        Assert.True(buffering.RetriesOnFailure);

        var none = StrategyOf(ownServiceProvider, lb => lb.DisableRetryOnFailure());
        Assert.IsNotAssignableFrom<LakebaseRetryingExecutionStrategy>(none);
        Assert.False(none.RetriesOnFailure);
    }

    [Theory]
    [MemberData(nameof(InternalServiceProvider))]
    public void A_strategy_in_the_applications_Npgsql_options_takes_precedence(bool ownServiceProvider)
    {
        var strategy = StrategyOf(ownServiceProvider, lb => lb.Npgsql(n => n.EnableRetryOnFailure()));
        Assert.IsType<NpgsqlRetryingExecutionStrategy>(strategy);
    }

    [Fact]
    public async Task Running_out_of_retries_names_the_default_strategy_and_what_to_check_for_EF_Cores_operations_and_units_of_work_alike()
    {
        using var context = new DbContext(new DbContextOptionsBuilder<DbContext>().UseLakebase(_dataSource).Options);
        var strategy = new LakebaseExecutionStrategy(context.GetService<ExecutionStrategyDependencies>(), maxRetryCount: 1, TimeSpan.FromMilliseconds(1));
        var attempts = 0;
        int Timeout()
        {
            attempts++;
            throw new TimeoutException("the server took too long");
        }

        var errors = new List<RetryLimitExceededException>
        {
            // EF Core's own operation (its state is no delegate): the strategy's own loop.
            Assert.Throws<RetryLimitExceededException>(() => strategy.Execute(0, (_, _) => Timeout(), null)),
            // The application's unit of work: EF Core's loop, which would name the strategy's internal type.
            Assert.Throws<RetryLimitExceededException>(() => strategy.Execute(() => Timeout())),
            await Assert.ThrowsAsync<RetryLimitExceededException>(() => strategy.ExecuteAsync(() => Task.FromResult(Timeout()))),
        };

        Assert.Equal(6, attempts); // each tried once and retried once
        Assert.All(errors, e =>
        {
            Assert.StartsWith("The operation failed on a transient error 2 times in a row", e.Message, StringComparison.Ordinal);
            Assert.Contains("LakebaseExecutionStrategy stopped after 1 retries", e.Message, StringComparison.Ordinal);
            Assert.IsType<TimeoutException>(e.InnerException);
        });
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    private IExecutionStrategy StrategyOf(bool ownServiceProvider, Action<LakebaseDbContextOptionsBuilder>? configure)
    {
        var options = new DbContextOptionsBuilder<DbContext>();
        if (ownServiceProvider)
        {
            options.UseInternalServiceProvider(new ServiceCollection().AddEntityFrameworkNpgsql().BuildServiceProvider());
        }

        using var context = new DbContext(options.UseLakebase(_dataSource, configure).Options);
        return context.Database.CreateExecutionStrategy();
    }
}
