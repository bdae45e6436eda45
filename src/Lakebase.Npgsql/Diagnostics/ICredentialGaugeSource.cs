namespace Lakebase.Npgsql.Diagnostics;

/// <summary>
/// Something holding a database credential that the credential gauges (<c>lakebase.credential.time_to_expiry</c>,
/// <c>lakebase.credential.age</c>) read when a meter listener collects. Registered with
/// <see cref="LakebaseTelemetry.ObserveCredential"/>; lets Diagnostics observe the cache without knowing it.
/// </summary>
internal interface ICredentialGaugeSource
{
    /// <summary>The credential's target, time left and age now; null values when there is no credential.</summary>
    CredentialGauge Read();
}

/// <summary>One reading of <see cref="ICredentialGaugeSource"/>.</summary>
internal readonly record struct CredentialGauge(string Target, TimeSpan? TimeToExpiry, TimeSpan? Age);
