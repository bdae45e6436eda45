using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Lakebase.Benchmarks.Measurement;

/// <summary>
/// CPU time in nanoseconds from Linux's <c>clock_gettime</c>: the calling thread's (<c>CLOCK_THREAD_CPUTIME_ID</c>) or
/// the whole process's (<c>CLOCK_PROCESS_CPUTIME_ID</c>). Unlike wall-clock time it does not grow while a thread waits
/// for a core, so on a shared, oversubscribed machine it still measures what a piece of code costs; and unlike
/// <see cref="Process.TotalProcessorTime"/>, which Linux reports in 10 ms ticks, it resolves a microsecond. Elsewhere
/// the thread clock falls back to wall-clock time and the process clock to <see cref="Process.TotalProcessorTime"/>
/// (<see cref="IsAvailable"/> says which).
/// </summary>
internal static class CpuClock
{
    private const int ClockProcessCpuTimeId = 2;
    private const int ClockThreadCpuTimeId = 3;

    public static bool IsAvailable { get; } = OperatingSystem.IsLinux() && TryRead(ClockThreadCpuTimeId, out _);

    /// <summary>The calling thread's CPU time.</summary>
    public static long ThreadNs() =>
        IsAvailable && TryRead(ClockThreadCpuTimeId, out var ns) ? ns : (long)(Stopwatch.GetTimestamp() * (1_000_000_000.0 / Stopwatch.Frequency));

    /// <summary>The CPU time of every thread of this process.</summary>
    public static long ProcessNs()
    {
        if (IsAvailable && TryRead(ClockProcessCpuTimeId, out var ns))
        {
            return ns;
        }

        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime.Ticks * 100;
    }

    private static bool TryRead(int clockId, out long ns)
    {
        try
        {
            if (clock_gettime(clockId, out var ts) == 0)
            {
                ns = (ts.Seconds * 1_000_000_000L) + ts.Nanoseconds;
                return true;
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc/musl: the fallbacks apply.
        }

        ns = 0;
        return false;
    }

    // DllImport rather than LibraryImport: a blittable out struct needs no marshalling, and no unsafe code in this project.
    [DllImport("libc", ExactSpelling = true)]
    private static extern int clock_gettime(int clockId, out Timespec timespec);

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
