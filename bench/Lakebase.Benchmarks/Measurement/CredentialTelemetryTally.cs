using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Lakebase.Npgsql;

namespace Lakebase.Benchmarks.Measurement;

/// <summary>
/// Listens to UseLakebase's own metrics while alive: credential requests by trigger ("background": refreshed ahead,
/// nobody waited; "initial": an open found no usable credential and waited for the API; "forced": a login was
/// rejected) and authentication retries. Tells whether any open waited on the API, which throughput alone cannot.
/// Each request is also kept with the instant it completed and how long it took, for the rotation cadence.
/// </summary>
internal sealed class CredentialTelemetryTally : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, long> _requestsByTrigger = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<CredentialRequestEvent> _events = new();
    private long _authenticationRetries;

    public CredentialTelemetryTally()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == LakebaseTelemetry.Name
                && instrument.Name is "lakebase.credential.requests" or "lakebase.connection.authentication_retries" or "lakebase.credential.request.duration")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>(OnMeasurement);
        _listener.SetMeasurementEventCallback<double>(OnDuration);
        _listener.Start();
    }

    public long Requests(string trigger) => _requestsByTrigger.GetValueOrDefault(trigger);

    /// <summary>Every request seen, in completion order.</summary>
    public IReadOnlyList<CredentialRequestEvent> Events => [.. _events.OrderBy(e => e.CompletedAt)];

    public long AuthenticationRetries => Interlocked.Read(ref _authenticationRetries);

    /// <summary>Every request, whatever started it.</summary>
    public long AllRequests => Requests("background") + Requests("ahead") + Requests("initial") + Requests("forced");

    /// <summary>e.g. "background 30, ahead 2, initial 1, forced 0, auth retries 0".</summary>
    public string Describe() =>
        $"background {Requests("background")}, ahead {Requests("ahead")}, initial {Requests("initial")}, forced {Requests("forced")}, auth retries {AuthenticationRetries}";

    public void Dispose() => _listener.Dispose();

    private void OnDuration(Instrument instrument, double seconds, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        string? trigger = null;
        var succeeded = false;
        foreach (var tag in tags)
        {
            if (tag.Key == "trigger")
            {
                trigger = tag.Value as string;
            }
            else if (tag.Key == "outcome")
            {
                succeeded = tag.Value as string == "success";
            }
        }

        _events.Enqueue(new CredentialRequestEvent(System.Diagnostics.Stopwatch.GetTimestamp(), trigger ?? "?", succeeded, TimeSpan.FromSeconds(seconds)));
    }

    private void OnMeasurement(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        if (instrument.Name == "lakebase.connection.authentication_retries")
        {
            Interlocked.Add(ref _authenticationRetries, value);
            return;
        }

        foreach (var tag in tags)
        {
            if (tag.Key == "trigger" && tag.Value is string trigger)
            {
                _requestsByTrigger.AddOrUpdate(trigger, value, (_, old) => old + value);
            }
        }
    }
}

/// <summary>One credential request as the library's metrics reported it.</summary>
/// <param name="CompletedAt">Stopwatch timestamp of the report (the request had just completed).</param>
/// <param name="Trigger">background, initial or forced.</param>
/// <param name="Succeeded">Whether it brought a credential.</param>
/// <param name="Duration">How long it took, retries included.</param>
internal sealed record CredentialRequestEvent(long CompletedAt, string Trigger, bool Succeeded, TimeSpan Duration);
