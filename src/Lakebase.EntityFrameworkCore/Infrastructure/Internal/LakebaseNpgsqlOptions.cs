using System.Collections.Concurrent;
using Lakebase.EntityFrameworkCore.Connection;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql.EntityFrameworkCore.PostgreSQL.Infrastructure;

namespace Lakebase.EntityFrameworkCore.Infrastructure.Internal;

/// <summary>
/// The Npgsql provider options UseLakebase applies: the execution strategy, then the application's own
/// <c>Npgsql(...)</c> options. The strategy's options callback and factory are cached per (mode, retry count, delay), so
/// that the per-request options build allocates neither unless the application passed Npgsql options.
/// </summary>
internal static class LakebaseNpgsqlOptions
{
    // Retry settings come from code, so a handful of distinct values at most; the bound only guards against a caller
    // computing them per request.
    private const int MaxCachedStrategies = 32;

    private static readonly Action<NpgsqlDbContextOptionsBuilder> DefaultStrategy =
        CreateStrategy((LakebaseRetryMode.Safe, LakebaseRetryDefaults.MaxRetryCount, LakebaseRetryDefaults.MaxRetryDelay));

    private static readonly ConcurrentDictionary<(LakebaseRetryMode Mode, int MaxRetryCount, TimeSpan MaxRetryDelay), Action<NpgsqlDbContextOptionsBuilder>> Strategies = new();

    /// <summary>The callback for <c>UseNpgsql(dataSource, callback)</c>; null when there is nothing to set.</summary>
    public static Action<NpgsqlDbContextOptionsBuilder>? For(LakebaseEfSettings settings)
    {
        var strategy = settings.Retry == LakebaseRetryMode.None
            ? null
            : Strategy((settings.Retry, settings.MaxRetryCount ?? LakebaseRetryDefaults.MaxRetryCount, settings.MaxRetryDelay ?? LakebaseRetryDefaults.MaxRetryDelay));
        if (settings.NpgsqlOptions is not { } npgsqlOptions)
        {
            return strategy;
        }

        // The application's options run last, so they can still replace the strategy.
        return strategy is null ? npgsqlOptions : npgsql =>
        {
            strategy(npgsql);
            npgsqlOptions(npgsql);
        };
    }

    private static Action<NpgsqlDbContextOptionsBuilder> Strategy((LakebaseRetryMode Mode, int MaxRetryCount, TimeSpan MaxRetryDelay) retry)
    {
        if (retry == (LakebaseRetryMode.Safe, LakebaseRetryDefaults.MaxRetryCount, LakebaseRetryDefaults.MaxRetryDelay))
        {
            return DefaultStrategy;
        }

        if (Strategies.TryGetValue(retry, out var cached))
        {
            return cached;
        }

        return Strategies.Count < MaxCachedStrategies ? Strategies.GetOrAdd(retry, CreateStrategy) : CreateStrategy(retry);
    }

    private static Action<NpgsqlDbContextOptionsBuilder> CreateStrategy((LakebaseRetryMode Mode, int MaxRetryCount, TimeSpan MaxRetryDelay) retry)
    {
        Func<ExecutionStrategyDependencies, IExecutionStrategy> factory = retry.Mode == LakebaseRetryMode.Full
            ? dependencies => new LakebaseRetryingExecutionStrategy(dependencies, retry.MaxRetryCount, retry.MaxRetryDelay)
            : dependencies => new LakebaseExecutionStrategy(dependencies, retry.MaxRetryCount, retry.MaxRetryDelay);
        return npgsql => npgsql.ExecutionStrategy(factory);
    }
}
