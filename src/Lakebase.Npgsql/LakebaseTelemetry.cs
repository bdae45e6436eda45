using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Lakebase.Npgsql.Diagnostics;

namespace Lakebase.Npgsql;

/// <summary>
/// The library's metrics and traces, in one place. Subscribe to the meter and activity source named <see cref="Name"/>
/// (OpenTelemetry: <c>AddLakebaseInstrumentation()</c> on the tracer and meter provider builders).
/// </summary>
public static class LakebaseTelemetry
{
    /// <summary>The name of the <see cref="Meter"/> and the <see cref="ActivitySource"/>.</summary>
    public const string Name = "Lakebase";

    internal static readonly ActivitySource ActivitySource = new(Name);

    internal static readonly Meter Meter = new(Name);

    /// <summary>Database credential requests made to the workspace, tagged by trigger and outcome.</summary>
    internal static readonly Counter<long> CredentialRequests = Meter.CreateCounter<long>(
        "lakebase.credential.requests", unit: "{request}", description: "Database credential requests made to the Databricks workspace.");

    internal static readonly Histogram<double> CredentialRequestDuration = Meter.CreateHistogram<double>(
        "lakebase.credential.request.duration", unit: "s", description: "Duration of database credential requests, retries included.");

    /// <summary>Opens that failed authentication and were retried once after a forced refresh.</summary>
    internal static readonly Counter<long> AuthenticationRetries = Meter.CreateCounter<long>(
        "lakebase.connection.authentication_retries", unit: "{retry}", description: "Connection opens retried after a forced credential refresh.");

    internal static readonly Counter<long> RoutedOpens = Meter.CreateCounter<long>(
        "lakebase.connection.routed_opens", unit: "{open}", description: "Opens through a WithTargetSession view, by the role of the host that served them (primary or read_only).");

    // What the gauges below read: every credential holder that registered and has not yet let go. Diagnostics knows
    // only this interface, not the cache behind it.
    private static readonly ConcurrentDictionary<ICredentialGaugeSource, byte> Sources = new();

    private static readonly ObservableGauge<double> TimeToExpiry = Meter.CreateObservableGauge(
        "lakebase.credential.time_to_expiry", () => Observe(static g => g.TimeToExpiry), unit: "s",
        description: "Time left until the cached database credential expires (negative once expired).");

    private static readonly ObservableGauge<double> CredentialAge = Meter.CreateObservableGauge(
        "lakebase.credential.age", () => Observe(static g => g.Age), unit: "s",
        description: "Time since the cached database credential was obtained.");

    internal static void RecordCredentialRequest(string trigger, bool succeeded, double seconds)
    {
        var tags = new TagList { { "trigger", trigger }, { "outcome", succeeded ? "success" : "failure" } };
        CredentialRequests.Add(1, tags);
        CredentialRequestDuration.Record(seconds, tags);
    }

    /// <summary>Adds a credential to the gauges until the returned handle is disposed.</summary>
    internal static void RecordRoutedOpen(string endpoint, global::Npgsql.TargetSessionAttributes targetSession, bool onPrimary) =>
        RoutedOpens.Add(1, new TagList
        {
            { "lakebase.endpoint", endpoint },
            { "lakebase.target_session", targetSession.ToString() },
            { "lakebase.host_role", onPrimary ? "primary" : "read_only" },
        });

    internal static IDisposable ObserveCredential(ICredentialGaugeSource source)
    {
        Sources.TryAdd(source, 0);
        return new Registration(source);
    }

    private static IEnumerable<Measurement<double>> Observe(Func<CredentialGauge, TimeSpan?> select)
    {
        _ = TimeToExpiry;
        _ = CredentialAge;
        foreach (var source in Sources.Keys)
        {
            var gauge = source.Read();
            if (select(gauge) is { } value)
            {
                yield return new Measurement<double>(value.TotalSeconds, new KeyValuePair<string, object?>("lakebase.endpoint", gauge.Target));
            }
        }
    }

    private sealed class Registration(ICredentialGaugeSource source) : IDisposable
    {
        public void Dispose() => Sources.TryRemove(source, out _);
    }
}
