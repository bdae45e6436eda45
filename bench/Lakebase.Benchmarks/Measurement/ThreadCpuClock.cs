using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Lakebase.Benchmarks.Measurement;

/// <summary>
/// The calling thread's CPU time (Linux <c>CLOCK_THREAD_CPUTIME_ID</c>), in nanoseconds. Unlike wall-clock time it
/// does not grow while the thread waits for a core, so on a shared, oversubscribed machine it still measures what a
/// piece of code costs. Elsewhere it falls back to wall-clock time (<see cref="IsThreadCpuTime"/> says which).
/// </summary>
internal static class ThreadCpuClock
{
    private const int ClockThreadCpuTimeId = 3;

    public static bool IsThreadCpuTime { get; } = OperatingSystem.IsLinux() && TryRead(out _);

    public static long NowNs() =>
        IsThreadCpuTime && TryRead(out var ns) ? ns : (long)(Stopwatch.GetTimestamp() * (1_000_000_000.0 / Stopwatch.Frequency));

    private static bool TryRead(out long ns)
    {
        try
        {
            if (clock_gettime(ClockThreadCpuTimeId, out var ts) == 0)
            {
                ns = (ts.Seconds * 1_000_000_000L) + ts.Nanoseconds;
                return true;
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc/musl: the wall-clock fallback applies.
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
