namespace Lakebase.Npgsql.Tests.Credentials;

/// <summary>A jitter source that always draws <paramref name="value"/>, so a jittered wait is known exactly.</summary>
internal sealed class FixedRandom(double value) : Random
{
    public override double NextDouble() => value;
}
