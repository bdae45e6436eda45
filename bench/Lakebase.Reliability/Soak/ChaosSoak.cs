using System.Collections.Concurrent;
using System.Diagnostics;
using Lakebase.Emulator;
using Lakebase.EntityFrameworkCore;
using Lakebase.Npgsql;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Lakebase.Reliability.Soak;

/// <summary>
/// An EF Core workload writing rows through <c>UseLakebase</c> while a scripted fault schedule runs against the
/// emulator. Every write whose SaveChanges returned goes into a ledger; at the end every ledger entry must be in the
/// database (read straight from the emulator's private server, bypassing the plugin).
/// </summary>
public static class ChaosSoak
{
    // Short-lived physical connections, so that logins (and so credentials) are exercised throughout, not only at start.
    private static readonly TimeSpan ConnectionLifetime = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan PauseBetweenWrites = TimeSpan.FromMilliseconds(20);

    public static async Task<SoakResult> RunAsync(string scheduleName, TimeSpan duration, IReadOnlyList<FaultStep> schedule, int workers, Action<string>? progress, CancellationToken cancellationToken)
    {
        // A crash only tests "no acknowledged write lost" if the server keeps its promise: fsync and synchronous_commit on.
        var durable = schedule.Any(s => s.CrashesServer);
        await using var emulator = await LakebaseEmulator.StartAsync(new LakebaseEmulatorOptions { DurableStorage = durable }, cancellationToken).ConfigureAwait(false);
        var principal = emulator.DefaultPrincipal;
        var options = new DbContextOptionsBuilder<SoakDb>()
            .UseLakebase(emulator.EndpointName, new LakebaseOAuthOptions
            {
                WorkspaceHost = emulator.WorkspaceUrl.ToString(),
                ClientId = principal.ClientId,
                ClientSecret = principal.ClientSecret,
            }, lakebase => lakebase
                .Host(emulator.Host)
                .Port(emulator.Port)
                .RootCertificate(emulator.CaCertificatePath)
                .ReadEnvironment(false)
                .ConnectionLifetime(ConnectionLifetime))
            .Options;

        await using (var db = new SoakDb(options))
        {
            await db.Database.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        }

        emulator.Counters.Reset();
        var ledger = new ConcurrentBag<Guid>();
        var latencies = new ConcurrentBag<double>();
        var failures = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        long operations = 0;
        var applied = new List<string>();
        var crashes = new List<(TimeSpan At, TimeSpan Restart, Guid[] AcknowledgedBefore)>();
        var clock = Stopwatch.StartNew();

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stop.CancelAfter(duration);
        var writers = Enumerable.Range(0, workers).Select(worker => Task.Run(async () =>
        {
            for (long sequence = 0; !stop.IsCancellationRequested; sequence++)
            {
                Interlocked.Increment(ref operations);
                var id = Guid.NewGuid();
                var started = Stopwatch.GetTimestamp();
                try
                {
                    await using var db = new SoakDb(options);
                    db.Writes.Add(new SoakWrite { Id = id, Worker = worker, Sequence = sequence, WrittenAt = DateTime.UtcNow });

                    // EF Core's pattern for writes under a retrying strategy: when a session drops during COMMIT the
                    // outcome is unknown, and the retry first asks whether the row is there instead of inserting it twice.
                    // Not the soak's stop token: a write under way finishes (or fails) on its own, so its outcome is known.
                    await db.Database.CreateExecutionStrategy().ExecuteInTransactionAsync(
                        db,
                        static (context, ct) => context.SaveChangesAsync(acceptAllChangesOnSuccess: false, ct),
                        (context, ct) => context.Writes.AsNoTracking().AnyAsync(w => w.Id == id, ct),
                        CancellationToken.None).ConfigureAwait(false);
                    db.ChangeTracker.AcceptAllChanges();
                    ledger.Add(id);
                    latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
                catch (Exception e)
                {
                    failures.AddOrUpdate(FailureCause.Of(e), 1, (_, n) => n + 1);
                    progress?.Invoke($"{clock.Elapsed:mm\\:ss} write failed: {FailureCause.Of(e)} ({e.GetType().Name}): {e.GetBaseException().Message}");
                }

                try
                {
                    await Task.Delay(PauseBetweenWrites, stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }, CancellationToken.None)).ToArray();

        foreach (var step in schedule)
        {
            var wait = step.At - clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
            }

            var at = clock.Elapsed;
            var acknowledgedBefore = step.CrashesServer ? ledger.ToArray() : [];
            await step.Apply(emulator).ConfigureAwait(false);
            if (step.CrashesServer)
            {
                crashes.Add((at, clock.Elapsed - at, acknowledgedBefore));
            }

            var line = $"{at:mm\\:ss\\.f} {step.Name}";
            applied.Add(line);
            progress?.Invoke(line);
        }

        await Task.WhenAll(writers).ConfigureAwait(false);
        var ran = clock.Elapsed;
        emulator.Faults.Reset();

        var stored = await ReadStoredIdsAsync(emulator, cancellationToken).ConfigureAwait(false);
        var lost = ledger.Count(id => !stored.Contains(id));
        var sorted = latencies.Order().ToArray();
        return new SoakResult(
            scheduleName,
            ran,
            workers,
            Interlocked.Read(ref operations),
            ledger.Count,
            failures.ToDictionary(),
            lost,
            emulator.Counters.CredentialRequests,
            emulator.Counters.TooManyRequests,
            emulator.Counters.LoginsAccepted,
            emulator.Counters.LoginsRejected,
            Percentile(sorted, 0.50),
            Percentile(sorted, 0.99),
            sorted.Length == 0 ? TimeSpan.Zero : TimeSpan.FromMilliseconds(sorted[^1]),
            applied)
        {
            DurableStorage = durable,
            Crashes = crashes.Select(c => new CrashOutcome(c.At, c.Restart, c.AcknowledgedBefore.Length, c.AcknowledgedBefore.Count(stored.Contains))).ToList(),
        };
    }

    // The superuser over the private server's socket: what is really stored, whatever the plugin believes.
    private static async Task<HashSet<Guid>> ReadStoredIdsAsync(LakebaseEmulator emulator, CancellationToken cancellationToken)
    {
        var ids = new HashSet<Guid>();
        await using var connection = new NpgsqlConnection(emulator.AdminConnectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT id FROM soak_writes", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            ids.Add(reader.GetGuid(0));
        }

        return ids;
    }

    private static TimeSpan Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? TimeSpan.Zero : TimeSpan.FromMilliseconds(sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)]);
}
