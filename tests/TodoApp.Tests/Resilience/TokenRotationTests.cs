using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Lakebase.Emulator;
using TodoApp.Tests.Api;
using TodoApp.Tests.Infrastructure;
using TodoApp.Todos;

namespace TodoApp.Tests.Resilience;

/// <summary>
/// The app keeps serving while database tokens live only 3 seconds. Between bursts the emulator drops every
/// session (as a compute restart or scale-to-zero does), so each burst opens new physical connections, and each needs
/// a token that is current at that moment. Its own emulator: the short token lifetime is emulator-wide.
/// </summary>
public sealed class TokenRotationTests : IAsyncLifetime
{
    private const int Bursts = 6;
    private const int RequestsPerBurst = 50;
    private const int Concurrency = 8;
    private static readonly TimeSpan PauseBetweenRequests = TimeSpan.FromMilliseconds(180);

    private LakebaseEmulator _emulator = null!;

    public async ValueTask InitializeAsync() =>
        _emulator = await LakebaseEmulator.StartAsync(new LakebaseEmulatorOptions(), TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync() => await _emulator.DisposeAsync();

    [Fact]
    public async Task Three_hundred_calls_while_tokens_rotate_every_3_seconds_all_succeed()
    {
        _emulator.Faults.TokenLifetimeOverride = TimeSpan.FromSeconds(3);
        await using var app = new TodoAppFactory(_emulator, _emulator.Database);
        using var client = app.CreateClient();
        var mintedBefore = _emulator.Counters.CredentialsMinted;
        var failures = new ConcurrentQueue<string>();
        var stopwatch = Stopwatch.StartNew();

        for (var burst = 0; burst < Bursts; burst++)
        {
            // Quiet moment: no request in flight, so dropping sessions tests reconnecting, not killing a query mid-way.
            _emulator.DropAllSessions();
            var next = 0;
            await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(async worker =>
            {
                while (Interlocked.Increment(ref next) <= RequestsPerBurst)
                {
                    var failure = await OneScenarioStepAsync(client, worker);
                    if (failure is not null)
                    {
                        failures.Enqueue(failure);
                    }

                    await Task.Delay(PauseBetweenRequests, TestContext.Current.CancellationToken);
                }
            }));
        }

        stopwatch.Stop();
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{Bursts * RequestsPerBurst} calls in {stopwatch.Elapsed.TotalSeconds:0.0} s; credentials minted: {_emulator.Counters.CredentialsMinted - mintedBefore}; " +
            $"logins accepted: {_emulator.Counters.LoginsAccepted}, rejected: {_emulator.Counters.LoginsRejected}");
        Assert.True(failures.IsEmpty, $"{failures.Count} failed calls:{Environment.NewLine}{string.Join(Environment.NewLine, failures.Take(10))}");
        Assert.True(stopwatch.Elapsed > TimeSpan.FromSeconds(6), "the run should span several token lifetimes");
        Assert.True(_emulator.Counters.CredentialsMinted - mintedBefore >= 3, "tokens should have been rotated several times during the run");
        app.AssertNoSecretsLogged();
    }

    /// <summary>One call of a create / read / update / list mix; returns a description of a failure, or null.</summary>
    private static async Task<string?> OneScenarioStepAsync(HttpClient client, int worker)
    {
        var ct = TestContext.Current.CancellationToken;
        try
        {
            switch (Random.Shared.Next(4))
            {
                case 0:
                    await client.CreateAsync($"worker {worker}");
                    return null;
                case 1:
                    using (var list = await client.GetAsync("/api/todos?pageSize=5", ct))
                    {
                        return list.StatusCode == HttpStatusCode.OK ? null : $"GET list: {(int)list.StatusCode} {await list.Content.ReadAsStringAsync(ct)}";
                    }

                default:
                    var todo = await client.CreateAsync($"worker {worker} edit");
                    using (var update = await client.UpdateAsync(todo.Id, new { title = todo.Title + " done", isCompleted = true, version = todo.Version }))
                    {
                        return update.StatusCode == HttpStatusCode.OK ? null : $"PUT: {(int)update.StatusCode} {await update.Content.ReadAsStringAsync(ct)}";
                    }
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            return exception.Message;
        }
    }
}
