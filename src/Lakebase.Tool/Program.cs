using Lakebase.Tool;

// Ctrl+C and SIGTERM (a process started in the background ignores SIGINT) stop a running check.
using var stopping = new CancellationTokenSource();
using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stopping.Cancel();
});
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stopping.Cancel();
};

return await LakebaseCommand.RunAsync(args, Console.Out, Console.Error, Environment.GetEnvironmentVariable, stopping.Token);
