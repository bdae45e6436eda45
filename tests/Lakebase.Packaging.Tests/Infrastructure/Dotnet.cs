using Lakebase.TestUtilities;

namespace Lakebase.Packaging.Tests.Infrastructure;

/// <summary>`dotnet` commands run as a user would run them: in a directory outside the repository, isolated from this test host.</summary>
internal static class Dotnet
{
    /// <summary>
    /// The environment for every command: none of this host's MSBuild or Lakebase variables, and a private NuGet
    /// packages folder, so that the packages just packed are the ones installed (a version already in the user's
    /// global packages folder would otherwise win).
    /// </summary>
    public static Dictionary<string, string?> Environment(string packagesFolder)
    {
        var environment = ProcessRunner.IsolatedEnvironment();
        environment["NUGET_PACKAGES"] = packagesFolder;
        environment["DOTNET_NOLOGO"] = "1";
        environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        return environment;
    }

    /// <summary>Runs `dotnet args`, asserting success; failure messages carry the output with credentials scrubbed.</summary>
    public static async Task<string> RunAsync(string workingDirectory, IReadOnlyDictionary<string, string?> environment, TimeSpan timeout,
        IEnumerable<string> secrets, params string[] arguments)
    {
        ProcessRunner.Result result;
        try
        {
            result = await ProcessRunner.RunAsync("dotnet", arguments, workingDirectory, environment, timeout, TestContext.Current.CancellationToken);
        }
        catch (TimeoutException exception)
        {
            throw new TimeoutException(Redaction.Scrub(exception.Message, secrets));
        }

        Assert.True(result.ExitCode == 0, $"dotnet {string.Join(' ', arguments)} failed, {Redaction.Scrub(result.ToString(), secrets)}");
        return result.Output;
    }
}
