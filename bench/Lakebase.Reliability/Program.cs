using System.Diagnostics;
using Lakebase.Reliability.Fleet;
using Lakebase.Reliability.Reporting;
using Lakebase.Reliability.Soak;

// Usage: dotnet run -c Release --project bench/Lakebase.Reliability -- [--soak long|short|none] [--fleet 200,1000|none] [--hours 3] [--out docs/reliability.md]
if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine("""
        Runs the chaos soak and the fleet simulation against a local emulator and writes the report (docs/reliability.md).

        Usage: dotnet run -c Release --project bench/Lakebase.Reliability -- [options]
          --soak long|short|none   fault schedule: long (12 min, two server crashes), short (1 min, one crash) or none; default long
          --fleet 200,1000|none    fleet sizes to simulate; default 200,1000
          --hours 3                simulated hours per fleet run; default 3
          --out PATH               where the report is written; default docs/reliability.md

        Exit code 1 when the soak lost an acknowledged write. A schedule with a crash runs the server with fsync on.
        """);
    return 0;
}

var soakMode = Option("--soak", "long");
var fleetSizes = Option("--fleet", "200,1000");
var hours = double.Parse(Option("--hours", "3"), System.Globalization.CultureInfo.InvariantCulture);
var output = Option("--out", "docs/reliability.md");
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

var total = Stopwatch.StartNew();
SoakResult? soak = null;
if (soakMode != "none")
{
    var (duration, steps) = soakMode == "short" ? FaultSchedule.Short() : FaultSchedule.Long();
    Console.WriteLine($"chaos soak ({soakMode}, {duration.TotalMinutes:0.#} min)");
    soak = await ChaosSoak.RunAsync(soakMode, duration, steps, workers: 4, Console.WriteLine, cancel.Token);
    Console.WriteLine($"soak: {soak.Operations} writes, {soak.Failures} failed, {soak.LostWrites} lost, {soak.CredentialRequests} credential requests, p99 {soak.P99.TotalMilliseconds:0} ms");
}

var fleet = new List<FleetResult>();
FleetOptions? fleetOptions = null;
if (fleetSizes != "none")
{
    await using var simulation = await FleetSimulation.StartAsync(cancel.Token);
    foreach (var size in fleetSizes.Split(',').Select(int.Parse))
    {
        fleetOptions = new FleetOptions(size, TimeSpan.FromHours(hours));
        foreach (var variant in Enum.GetValues<FleetVariant>())
        {
            var result = await simulation.RunAsync(variant, fleetOptions, cancel.Token);
            fleet.Add(result);
            Console.WriteLine($"fleet {size} {variant}: {result.TotalRequests} requests, peak {result.PeakPerMinute}/min, steady peak {result.SteadyPeakPerMinute}/min, mean {result.MeanPerMinute:0.0}/min, {result.TooManyRequests} 429s, {result.FailedOpens}/{result.Opens} failed opens ({result.WallClock.TotalSeconds:0} s)");
        }
    }
}

var shown = $"--soak {soakMode} --fleet {fleetSizes} --hours {hours.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
var command = "dotnet run -c Release --project bench/Lakebase.Reliability -- " + shown;
var markdown = ReliabilityReport.Render(soak, fleet, fleetOptions, command, total.Elapsed);
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
await File.WriteAllTextAsync(output, markdown);
Console.WriteLine($"wrote {output}");
return soak is { LostWrites: > 0 } ? 1 : 0;

string Option(string name, string fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
}
