using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql.EntityFrameworkCore.PostgreSQL.Infrastructure;

namespace Lakebase.EntityFrameworkCore.Infrastructure.Internal;

/// <summary>
/// The Npgsql provider options UseLakebase applies: the application's own <c>Npgsql(...)</c> options and, only for a
/// context given its own internal service provider, the execution strategy (other contexts get it from
/// <see cref="LakebaseExecutionStrategyFactory"/>). The strategy callbacks are cached per policy, so that even that
/// case allocates none unless the application passed Npgsql options.
/// </summary>
internal static class LakebaseNpgsqlOptions
{
    // Retry settings come from code, so a handful of distinct values at most; the bound only guards against a caller
    // computing them per request.
    private const int MaxCachedStrategies = 32;

    private static readonly ConcurrentDictionary<LakebaseRetryPolicy, Action<NpgsqlDbContextOptionsBuilder>> Strategies = new();

    /// <summary>The callback for <c>UseNpgsql(dataSource, callback)</c>; null when there is nothing to set.</summary>
    /// <param name="npgsqlOptions">The application's Npgsql options.</param>
    /// <param name="strategy">The execution strategy to put in the options; null to leave it to the internal service provider.</param>
    public static Action<NpgsqlDbContextOptionsBuilder>? For(Action<NpgsqlDbContextOptionsBuilder>? npgsqlOptions, LakebaseRetryPolicy? strategy)
    {
        var setStrategy = strategy is { Mode: not LakebaseRetryMode.None } policy ? Strategy(policy) : null;
        if (npgsqlOptions is null || setStrategy is null)
        {
            return npgsqlOptions ?? setStrategy;
        }

        // The application's options run last, so they can still replace the strategy.
        return npgsql =>
        {
            setStrategy(npgsql);
            npgsqlOptions(npgsql);
        };
    }

    private static Action<NpgsqlDbContextOptionsBuilder> Strategy(LakebaseRetryPolicy policy) =>
        Strategies.TryGetValue(policy, out var cached) ? cached
        : Strategies.Count < MaxCachedStrategies ? Strategies.GetOrAdd(policy, Create)
        : Create(policy);

    private static Action<NpgsqlDbContextOptionsBuilder> Create(LakebaseRetryPolicy policy)
    {
        Func<ExecutionStrategyDependencies, IExecutionStrategy> factory = dependencies => LakebaseExecutionStrategyFactory.Create(dependencies, policy);
        return npgsql => npgsql.ExecutionStrategy(factory);
    }
}
