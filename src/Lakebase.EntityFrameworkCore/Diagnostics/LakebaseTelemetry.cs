using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Lakebase.EntityFrameworkCore.Diagnostics;

/// <summary>
/// The library's metrics and traces, in one place. Subscribe to the meter and activity source named
/// <see cref="Name"/> (for example with OpenTelemetry's <c>AddMeter</c> / <c>AddSource</c>).
/// </summary>
public static class LakebaseTelemetry
{
    /// <summary>The name of the <see cref="Meter"/> and the <see cref="ActivitySource"/>.</summary>
    public const string Name = "Lakebase.EntityFrameworkCore";

    internal static readonly ActivitySource ActivitySource = new(Name);

    internal static readonly Meter Meter = new(Name);

    /// <summary>Database credential requests made to the workspace, tagged by trigger and outcome.</summary>
    internal static readonly Counter<long> CredentialRequests = Meter.CreateCounter<long>(
        "lakebase.credential.requests", unit: "{request}", description: "Database credential requests made to the Databricks workspace.");

    internal static readonly Histogram<double> CredentialRequestDuration = Meter.CreateHistogram<double>(
        "lakebase.credential.request.duration", unit: "s", description: "Duration of database credential requests, retries included.");

    /// <summary>Opens that failed authentication and were retried once after a forced refresh, tagged by outcome.</summary>
    internal static readonly Counter<long> AuthenticationRetries = Meter.CreateCounter<long>(
        "lakebase.connection.authentication_retries", unit: "{retry}", description: "Connection opens retried after a forced credential refresh.");

    internal static void RecordCredentialRequest(string trigger, bool succeeded, double seconds)
    {
        var tags = new TagList { { "trigger", trigger }, { "outcome", succeeded ? "success" : "failure" } };
        CredentialRequests.Add(1, tags);
        CredentialRequestDuration.Record(seconds, tags);
    }
}
