using System.Diagnostics;
using System.Globalization;
using Lakebase.Benchmarks.Configuration;
using Lakebase.Benchmarks.Environment;
using Lakebase.Benchmarks.Micro;
using Lakebase.Benchmarks.Reporting;
using Lakebase.Benchmarks.Scenarios;

// Benchmarks for issues 5 and 19: UseLakebase against a static password ((a), (a₀)) and the guide's per-connection credential call (c).
// Exit codes: 0 all scenarios ran and the table was written; 1 a scenario failed to run; 2 bad arguments.
// The report's sentences concatenate interpolated parts: one culture for all of them.
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
BenchmarkSettings? settings;
try
{
    settings = Arguments.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(Arguments.Usage);
    return 2;
}

if (settings is null)
{
    Console.WriteLine(Arguments.Usage);
    return 0;
}

if (!Debugger.IsAttached && typeof(Program).Assembly.GetCustomAttributes(false).OfType<DebuggableAttribute>().Any(d => d.IsJITOptimizerDisabled))
{
    Console.Error.WriteLine("warning: a Debug build; figures are meaningless and BenchmarkDotNet will refuse scenario 5. Run with -c Release.");
}

Lakebase.Benchmarks.Variants.VariantFactory.LakebaseOptionsOnce = settings.LakebaseOptionsOnce;
Lakebase.Benchmarks.Variants.VariantFactory.LakebaseNoRetry = settings.LakebaseNoRetry;
var total = Stopwatch.StartNew();
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

var report = new BenchmarkReport { Settings = settings, Machine = MachineInfo.Current() };
Console.Error.WriteLine($"Lakebase benchmarks, {settings.Mode} mode, API latency {settings.ApiLatency.TotalMilliseconds:0} ms, on {report.Machine}");

ScenarioContext context;
await using (var environment = await BenchEnvironment.StartAsync(settings.ApiLatency, cancel.Token))
{
    report.EmulatorStartup = environment.Emulator.StartupTime;
    context = new ScenarioContext(environment, settings);
    await RunAsync(1, async () => report.Opens = await PhysicalOpensScenario.RunAsync(context, cancel.Token));
    await RunAsync(2, async () => (report.Crud, report.ContextPathCost, report.ExtensionCost) = await CrudScenario.RunAsync(context, cancel.Token));
    await RunAsync(3, async () => report.Storm = await RefreshStormScenario.RunAsync(context, cancel.Token));
    await RunAsync(4, async () => report.Soak = await RotationSoakScenario.RunAsync(context, cancel.Token));
    await RunAsync(5, () =>
    {
        report.HotPath = HotPathScenario.Run(context);
        context.Progress($"scenario 5: per-context options cost, {settings.OptionsCostRounds} paired rounds per UseLakebase form");
        report.OptionsCost = OptionsCostMeasurement.Run(settings.OptionsCostRounds);
        return Task.CompletedTask;
    });
    await RunAsync(7, async () => report.FirstRequest = await FirstRequestScenario.RunAsync(context, cancel.Token));
    await RunAsync(6, async () => report.ReadRouting = await ReadRoutingScenario.RunAsync(context, cancel.Token));

    async Task RunAsync(int scenario, Func<Task> run)
    {
        if (!settings.Scenarios.Contains(scenario) || cancel.IsCancellationRequested)
        {
            return;
        }

        try
        {
            await run();
        }
        catch (Exception e)
        {
            report.Failures[scenario] = $"{e.GetType().Name}: {e.Message}";
            context.Progress($"scenario {scenario} FAILED: {e}");
            environment.ResetFaults();
        }
    }
}

report.Elapsed = total.Elapsed;
report.EffectiveSettings = context.EffectiveSettings;
report.LoadAverageAtEnd = MachineInfo.LoadAverage();
var markdown = MarkdownReport.Render(report);
var output = Path.GetFullPath(settings.OutputPath);
Directory.CreateDirectory(Path.GetDirectoryName(output)!);
await File.WriteAllTextAsync(output, markdown);
Console.WriteLine(markdown);
Console.Error.WriteLine($"Wrote {output} in {total.Elapsed.TotalSeconds:0} s.");
return report.Failures.Count == 0 && !cancel.IsCancellationRequested ? 0 : 1;
