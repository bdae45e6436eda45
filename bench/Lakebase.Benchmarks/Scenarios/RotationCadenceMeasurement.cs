using System.Diagnostics;
using Lakebase.Benchmarks.Data;
using Lakebase.Benchmarks.Measurement;
using Lakebase.Benchmarks.Variants;

namespace Lakebase.Benchmarks.Scenarios;

/// <summary>
/// (b)'s credential requests over an uninterrupted window of several short token lifetimes under the soak's load.
/// <c>Requests</c> are in completion order, as the library's own metrics reported them.
/// </summary>
internal sealed record RotationCadence(TimeSpan TokenLifetime, TimeSpan Window, IReadOnlyList<CadenceRequest> Requests, long Operations, long Failures)
{
    public double Lifetimes => Window / TokenLifetime;

    /// <summary>Seconds between consecutive requests' completions.</summary>
    public IReadOnlyList<double> IntervalsSeconds => [.. Requests.Zip(Requests.Skip(1), (a, b) => b.AtSeconds - a.AtSeconds)];

    /// <summary>
    /// Requests per token lifetime: the lifetime over the mean interval between requests. Measured between the first
    /// and the last request inside the window, so neither edge of the window counts a fraction of an interval.
    /// </summary>
    public double PerLifetime => IntervalsSeconds is { Count: > 0 } intervals ? TokenLifetime.TotalSeconds / intervals.Average() : double.NaN;

    /// <summary>
    /// Where in its predecessor's lifetime each refresh started: (interval − the refresh's own duration) / lifetime.
    /// The refresh rule says where that must lie (<see cref="Reporting.RefreshRule"/>).
    /// </summary>
    public IReadOnlyList<double> RefreshFractions =>
        [.. Requests.Zip(Requests.Skip(1), (a, b) => (b.AtSeconds - a.AtSeconds - b.DurationSeconds) / TokenLifetime.TotalSeconds)];

    public double MeanDurationSeconds => Requests.Count > 0 ? Requests.Average(r => r.DurationSeconds) : double.NaN;
}

/// <summary>One credential request of the cadence window.</summary>
/// <param name="AtSeconds">When it completed, seconds from the start of the window.</param>
/// <param name="Trigger">background, initial or forced.</param>
/// <param name="Succeeded">Whether it brought a credential.</param>
/// <param name="DurationSeconds">How long it took.</param>
internal sealed record CadenceRequest(double AtSeconds, string Trigger, bool Succeeded, double DurationSeconds);

/// <summary>Measures <see cref="RotationCadence"/>: (b) alone, fresh data source, short tokens, the soak's workers.</summary>
internal static class RotationCadenceMeasurement
{
    public static async Task<RotationCadence> RunAsync(ScenarioContext context, CancellationToken ct)
    {
        var settings = context.Settings;
        var ttl = settings.SoakShortTtl;
        var window = ttl * settings.CadenceLifetimes;
        await using var variant = VariantFactory.Create(VariantKind.UseLakebase, context.Environment, VariantOptions.Unpooled);
        var random = Enumerable.Range(0, settings.SoakWorkers).Select(w => new Random(w)).ToArray();
        var operation = LoadRunner.Timed((w, i, c) => CrudWorkload.RunAsync(variant.CreateOptions(), i, random[w], c));
        await VariantWarmup.RunAsync(variant, crud: true, ct).ConfigureAwait(false);
        context.Progress($"scenario 4: (b) alone for {settings.CadenceLifetimes} token lifetimes of {Format.Duration(ttl)} ({Format.Duration(window)}), counting its credential requests");
        using var tally = new CredentialTelemetryTally();
        var start = Stopwatch.GetTimestamp();
        var load = await LoadRunner.RunAsync(settings.SoakWorkers, window, operation, ct).ConfigureAwait(false);
        var requests = tally.Events
            .Select(e => new CadenceRequest((e.CompletedAt - start) / (double)Stopwatch.Frequency, e.Trigger, e.Succeeded, e.Duration.TotalSeconds))
            .Where(r => r.AtSeconds >= 0 && r.AtSeconds <= window.TotalSeconds)
            .ToList();
        return new RotationCadence(ttl, window, requests, load.Operations, load.Failures);
    }
}
