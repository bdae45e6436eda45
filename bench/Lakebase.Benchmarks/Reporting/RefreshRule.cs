using System.Globalization;
using Lakebase.Benchmarks.Measurement;
using Lakebase.Npgsql;

namespace Lakebase.Benchmarks.Reporting;

/// <summary>
/// The library's refresh rule, as the expected band of credential requests per token lifetime is derived from it.
/// The fractions and margins are internal to Lakebase.Npgsql (<c>Credentials/CredentialCachePolicy.cs</c>: a refresh
/// point drawn uniformly between 50 % and 80 % of the lifetime; <c>Credentials/DatabaseCredential.cs</c>: no later
/// than <c>RefreshBeforeExpiry</c>, capped at a quarter of the lifetime, before expiry, nor than 1 % of the lifetime
/// before the token stops being handed out, min(30 s, 10 %) before expiry). This benchmark uses public API only, so
/// they are restated here, and the measured refresh points (<see cref="Scenarios.RotationCadence.RefreshFractions"/>)
/// check the restatement: a change in the library shows up as fractions outside the band.
/// </summary>
internal static class RefreshRule
{
    public const double EarliestFraction = 0.5;
    public const double LatestFraction = 0.8;
    private const double LeadCapFraction = 0.25;
    private const double HandOutMarginFraction = 0.10;
    private const double LastRefreshBeforeHandOutEnds = 0.01;
    private static readonly TimeSpan MaxHandOutMargin = TimeSpan.FromSeconds(30);

    /// <summary>The latest fraction of <paramref name="lifetime"/> at which a refresh may start, after every cap.</summary>
    public static double Cap(TimeSpan lifetime)
    {
        var lead = Min(LakebaseConnectionDefaults.RefreshBeforeExpiry, lifetime * LeadCapFraction);
        var handOutEnds = lifetime - Min(MaxHandOutMargin, lifetime * HandOutMarginFraction);
        var byHandOut = (handOutEnds / lifetime) - LastRefreshBeforeHandOutEnds;
        return Math.Min(1 - (lead / lifetime), byHandOut);
    }

    public static (double Earliest, double Latest) Fractions(TimeSpan lifetime) =>
        (Math.Min(EarliestFraction, Cap(lifetime)), Math.Min(LatestFraction, Cap(lifetime)));

    /// <summary>
    /// Requests per lifetime: each refresh starts at fraction f of its predecessor's lifetime and takes
    /// <paramref name="requestSeconds"/> to come back, so one request per f·L + d.
    /// </summary>
    public static (double Low, double High) Band(TimeSpan lifetime, double requestSeconds)
    {
        var (earliest, latest) = Fractions(lifetime);
        var l = lifetime.TotalSeconds;
        return (l / ((latest * l) + requestSeconds), l / ((earliest * l) + requestSeconds));
    }

    /// <summary>The mean of min(U(earliest, latest), cap): the expected fraction with jitter.</summary>
    public static double MeanFraction(TimeSpan lifetime)
    {
        var cap = Cap(lifetime);
        double a = EarliestFraction, b = LatestFraction;
        if (cap >= b)
        {
            return (a + b) / 2;
        }

        if (cap <= a)
        {
            return cap;
        }

        return (((cap * cap) - (a * a)) / 2 + (cap * (b - cap))) / (b - a);
    }

    /// <summary>The derivation, in words and numbers, for <paramref name="lifetime"/>.</summary>
    public static string Explain(TimeSpan lifetime, double requestSeconds)
    {
        var (earliest, latest) = Fractions(lifetime);
        var (low, high) = Band(lifetime, requestSeconds);
        var mean = MeanFraction(lifetime);
        var l = lifetime.TotalSeconds;
        return string.Create(CultureInfo.InvariantCulture,
            $"for {Format.Duration(lifetime)} tokens the refresh point is drawn from {EarliestFraction:0%}–{LatestFraction:0%} of the lifetime, capped at {Cap(lifetime):0.0%} " +
            $"(RefreshBeforeExpiry {Format.Duration(LakebaseConnectionDefaults.RefreshBeforeExpiry)}, at most a quarter of the lifetime, and 1 % before the token stops being handed out), so {earliest:0.0%}–{latest:0.0%}; " +
            $"each request also takes d = {requestSeconds * 1000:0} ms (measured mean) before the next lifetime starts, so one request per f·L + d: " +
            $"{l:0.##}/({latest:0.###}·{l:0.##} + {requestSeconds:0.###}) = {low:0.00} to {l:0.##}/({earliest:0.###}·{l:0.##} + {requestSeconds:0.###}) = {high:0.00} per lifetime, {l / ((mean * l) + requestSeconds):0.00} expected on average (mean f {mean:0.000})");
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
