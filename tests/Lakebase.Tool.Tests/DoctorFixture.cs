using Lakebase.Emulator;
using Lakebase.TestUtilities;

namespace Lakebase.Tool.Tests;

/// <summary>One emulator for the doctor's tests, and the command run in-process against it with a given environment.</summary>
public sealed class DoctorFixture : EmulatorFixtureBase
{
    /// <summary>The environment a deployment pointed at the emulator has, without PGHOST (so the host is looked up).</summary>
    public Dictionary<string, string?> EnvironmentFor(EmulatedPrincipal principal)
    {
        var environment = Emulator.GetEnvironmentVariables(principal).ToDictionary(p => p.Key, p => (string?)p.Value);
        environment.Remove("PGHOST");
        environment.Remove("PGUSER");
        return environment;
    }

    /// <summary>Runs <c>lakebase</c> with these arguments and environment; returns the exit code and what it printed.</summary>
    public async Task<(int ExitCode, string Output)> RunAsync(IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await LakebaseCommand.RunAsync(args, output, error, name => environment.GetValueOrDefault(name), TestContext.Current.CancellationToken);
        var printed = output + error.ToString();
        AssertNoSecretsIn(printed);
        return (exitCode, printed);
    }
}

[CollectionDefinition(Name)]
public sealed class DoctorCollection : ICollectionFixture<DoctorFixture>
{
    public const string Name = "doctor";
}
