using System.Runtime.InteropServices;

namespace Lakebase.Benchmarks.Reporting;

/// <summary>The machine the figures came from: they mean little without it.</summary>
internal sealed record MachineInfo(int Cores, string Os, string Cpu, string Runtime, long MemoryGiB)
{
    public static MachineInfo Current() => new(
        System.Environment.ProcessorCount,
        ReadOsRelease() ?? RuntimeInformation.OSDescription,
        ReadCpuModel() ?? RuntimeInformation.ProcessArchitecture.ToString(),
        RuntimeInformation.FrameworkDescription,
        GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024L * 1024 * 1024));

    /// <summary>The 1/5/15-minute load averages (Linux), to show how busy the machine was with other work.</summary>
    public static string LoadAverage()
    {
        try
        {
            return File.Exists("/proc/loadavg") ? string.Join(" / ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
        }
        catch (IOException)
        {
            return "n/a";
        }
    }

    public override string ToString() => $"{Cores} cores ({Cpu}), {MemoryGiB} GiB, {Os}, {Runtime}";

    private static string? ReadOsRelease() => ReadField("/etc/os-release", "PRETTY_NAME=")?.Trim('"');

    private static string? ReadCpuModel() => ReadField("/proc/cpuinfo", "model name")?.Split(':', 2).ElementAtOrDefault(1)?.Trim();

    private static string? ReadField(string path, string prefix)
    {
        try
        {
            return File.Exists(path) ? File.ReadLines(path).FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal)) is { } line
                ? (prefix.EndsWith('=') ? line[prefix.Length..] : line) : null : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
