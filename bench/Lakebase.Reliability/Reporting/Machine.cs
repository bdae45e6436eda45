namespace Lakebase.Reliability.Reporting;

/// <summary>One line naming the machine the figures came from.</summary>
internal static class Machine
{
    public static string Describe()
    {
        var cpu = TryRead("/proc/cpuinfo")?.Split('\n').FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";
        var load = TryRead("/proc/loadavg")?.Split(' ').Take(3) is { } parts ? string.Join(" ", parts) : "n/a";
        return $"{Environment.ProcessorCount} cores ({cpu}), {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, " +
            $"{System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}; load average at the end {load}";
    }

    private static string? TryRead(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path) : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
