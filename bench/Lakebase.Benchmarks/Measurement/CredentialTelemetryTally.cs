using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Lakebase.Npgsql;
using Lakebase.Npgsql.Diagnostics;

namespace Lakebase.Benchmarks.Measurement;

/// <summary>
/// Listens to UseLakebase's own metrics while alive: credential requests by trigger ("background": refreshed ahead,
/// nobody waited; "initial": an open found no usable credential and waited for the API; "forced": a login was
/// rejected) and authentication retries. Tells whether any open waited on the API, which throughput alone cannot.
/// </summary>
internal sealed class CredentialTelemetryTally : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, long> _requestsByTrigger = new(StringComparer.Ordinal);
    private long _authenticationRetries;

    public CredentialTelemetryTally()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == LakebaseTelemetry.Name
                && instrument.Name is "lakebase.credential.requests" or "lakebase.connection.authentication_retries")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>(OnMeasurement);
        _listener.Start();
    }

    public long Requests(string trigger) => _requestsByTrigger.GetValueOrDefault(trigger);

    public long AuthenticationRetries => Interlocked.Read(ref _authenticationRetries);

    /// <summary>e.g. "background 30, initial 1, forced 0, auth retries 0".</summary>
    public string Describe() =>
        $"background {Requests("background")}, initial {Requests("initial")}, forced {Requests("forced")}, auth retries {AuthenticationRetries}";

    public void Dispose() => _listener.Dispose();

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
