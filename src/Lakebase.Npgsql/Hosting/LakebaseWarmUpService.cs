using Lakebase.Npgsql.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Lakebase.Npgsql.Hosting;

/// <summary>
/// Warms a container-owned data source up as the host starts, before the server takes requests (hosted services start
/// first), when its options ask for it. Bounded: start-up waits at most <c>WarmUpTimeout</c>, then goes on; a warm-up
/// that failed or ran out of time is logged, and the first request connects as it would have anyway.
/// </summary>
internal sealed class LakebaseWarmUpService(Func<LakebaseDataSource> dataSource, ILoggerFactory loggerFactory) : IHostedService
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var source = dataSource();
        var options = source.Definition.Options;
        if (options.WarmUp is not true)
        {
            return;
        }

        var timeout = options.WarmUpTimeout ?? DefaultTimeout;
        var logger = loggerFactory.CreateLogger(LakebaseLog.Category);
        var started = source.Parts.TimeProvider.GetTimestamp();
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(timeout);
        try
        {
            await source.WarmUpAsync(bounded.Token).WaitAsync(timeout, source.Parts.TimeProvider, cancellationToken).ConfigureAwait(false);
            LakebaseLog.WarmedUp(logger, source.Endpoint, source.Parts.TimeProvider.GetElapsedTime(started));
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            LakebaseLog.WarmUpIncomplete(logger, source.Endpoint, timeout, SecretRedaction.OneLine(e.Message, 300));
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
