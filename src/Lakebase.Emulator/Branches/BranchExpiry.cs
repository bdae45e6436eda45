using System.Globalization;
using System.Text.Json.Nodes;

namespace Lakebase.Emulator.Branches;

/// <summary>
/// When a branch expires: <c>spec.ttl</c> (a protobuf duration such as <c>"3600s"</c>), <c>spec.expire_time</c>
/// (RFC 3339) or <c>spec.no_expiry: true</c>, at most one of them, as the Databricks SDKs' <c>BranchSpec</c> has it.
/// None of them: the branch does not expire.
/// </summary>
internal sealed record BranchExpiry(TimeSpan? Ttl, DateTimeOffset? ExpireTime)
{
    public static BranchExpiry Never { get; } = new(null, null);

    /// <summary>The absolute expiry for a branch created at <paramref name="createTime"/>.</summary>
    public DateTimeOffset? At(DateTimeOffset createTime) => Ttl is { } ttl ? createTime + ttl : ExpireTime;

    /// <summary>Reads the expiry from a branch spec; <paramref name="error"/> says what is wrong, in the API's terms.</summary>
    public static bool TryParse(JsonObject spec, DateTimeOffset now, out BranchExpiry expiry, out string? error)
    {
        expiry = Never;
        error = null;
        var given = new[] { "ttl", "expire_time", "no_expiry" }.Where(spec.ContainsKey).ToList();
        if (given.Count > 1)
        {
            error = $"spec.ttl, spec.expire_time and spec.no_expiry are mutually exclusive, but {string.Join(" and ", given.Select(g => "spec." + g))} were given: set one of them.";
            return false;
        }

        if (spec["no_expiry"] is { } noExpiry)
        {
            if (noExpiry.GetValueKind() != System.Text.Json.JsonValueKind.True)
            {
                error = "spec.no_expiry must be true when set; to make the branch expire, give spec.ttl (e.g. \"3600s\") or spec.expire_time instead.";
                return false;
            }

            return true;
        }

        if (spec["ttl"] is { } ttlNode)
        {
            if (!TryParseDuration(ttlNode, out var ttl) || ttl <= TimeSpan.Zero)
            {
                error = $"spec.ttl '{ttlNode.ToJsonString()}' is not a positive duration: expected seconds with an 's' suffix, e.g. \"3600s\".";
                return false;
            }

            expiry = new BranchExpiry(ttl, null);
            return true;
        }

        if (spec["expire_time"] is { } timeNode)
        {
            if (timeNode.GetValueKind() != System.Text.Json.JsonValueKind.String
                || !DateTimeOffset.TryParse(timeNode.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
            {
                error = $"spec.expire_time '{timeNode.ToJsonString()}' is not an RFC 3339 timestamp such as \"2026-12-31T23:00:00Z\".";
                return false;
            }

            if (at <= now)
            {
                error = $"spec.expire_time {at.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'} is not in the future (now: {now.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}).";
                return false;
            }

            expiry = new BranchExpiry(null, at);
        }

        return true;
    }

    /// <summary>A protobuf JSON duration: decimal seconds with an <c>s</c> suffix.</summary>
    private static bool TryParseDuration(JsonNode node, out TimeSpan duration)
    {
        duration = default;
        if (node is JsonValue value && value.TryGetValue<string>(out var text) && text.Length > 1 && text.EndsWith('s')
            && decimal.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds)
            && seconds <= MaxSeconds)
        {
            duration = TimeSpan.FromSeconds((double)seconds);
            return true;
        }

        return false;
    }

    // Ten years: enough for any test run, and far from TimeSpan's limits.
    private const decimal MaxSeconds = 315_360_000m;

    /// <summary>The duration in the API's form, e.g. <c>3600s</c>.</summary>
    public static string Format(TimeSpan duration) => duration.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + "s";
}
