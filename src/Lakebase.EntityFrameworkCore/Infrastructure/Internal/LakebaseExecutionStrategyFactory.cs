using Lakebase.EntityFrameworkCore.Connection;
using Microsoft.EntityFrameworkCore.Storage;

namespace Lakebase.EntityFrameworkCore.Infrastructure.Internal;

/// <summary>
/// Creates the execution strategy UseLakebase chose (its options extension registers this factory in EF Core's
/// internal service provider). A strategy set in the application's Npgsql options
/// (<c>Npgsql(o =&gt; o.ExecutionStrategy(...))</c>) still takes precedence, as EF Core's factory gives it.
/// </summary>
internal sealed class LakebaseExecutionStrategyFactory(ExecutionStrategyDependencies dependencies) : RelationalExecutionStrategyFactory(dependencies)
{
    public static IExecutionStrategy Create(ExecutionStrategyDependencies dependencies, LakebaseRetryPolicy policy) =>
        policy.Mode == LakebaseRetryMode.Full
            ? new LakebaseRetryingExecutionStrategy(dependencies, policy.MaxRetryCount, policy.MaxRetryDelay)
            : new LakebaseExecutionStrategy(dependencies, policy.MaxRetryCount, policy.MaxRetryDelay);

    protected override IExecutionStrategy CreateDefaultStrategy(ExecutionStrategyDependencies dependencies) =>
        Create(dependencies, dependencies.Options.FindExtension<LakebaseOptionsExtension>()?.Retry ?? LakebaseRetryPolicy.Default);
}
