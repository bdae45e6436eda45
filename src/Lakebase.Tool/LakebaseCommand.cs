using System.Text.Json;
using Lakebase.Npgsql;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Primitives;

namespace Lakebase.Tool;

/// <summary>The <c>lakebase</c> command: today, <c>lakebase doctor</c>.</summary>
internal static class LakebaseCommand
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>Runs the command; returns the exit code (0: every check passed; 1: a check failed; 2: bad usage).</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, Func<string, string?> environment, CancellationToken cancellationToken)
    {
        if (args is not ["doctor", ..])
        {
            await error.WriteLineAsync(args is [] or ["--help"] or ["-h"] ? DoctorOptions.Usage : $"Unknown command '{args[0]}'.{Environment.NewLine}{DoctorOptions.Usage}").ConfigureAwait(false);
            return args is ["--help"] or ["-h"] ? 0 : 2;
        }

        var options = DoctorOptions.Parse(args[1..], out var problem);
        if (problem is not null)
        {
            await error.WriteLineAsync($"{problem}{Environment.NewLine}{DoctorOptions.Usage}").ConfigureAwait(false);
            return 2;
        }

        var report = await LakebaseDoctor.RunAsync(CreateBuilder(options, environment), cancellationToken).ConfigureAwait(false);
        await output.WriteAsync(options.Json ? JsonSerializer.Serialize(ToJson(report), JsonOptions) + Environment.NewLine : Text(report)).ConfigureAwait(false);
        return report.Passed ? 0 : 1;
    }

    // The same resolution as services.AddLakebaseDataSource(): options first, then the environment.
    private static LakebaseDataSourceBuilder CreateBuilder(DoctorOptions options, Func<string, string?> environment)
    {
        var settings = new LakebaseOptions { Endpoint = options.Endpoint };
        settings.OAuth.Profile = options.Profile;
        settings.Connection.Host = options.Host;
        settings.Connection.Username = options.User;
        settings.Connection.RootCertificate = options.RootCertificate;
        settings.Connection.ConnectTimeout = TimeSpan.FromSeconds(20);
        return LakebaseDataSourceBuilder.FromOptions(settings, new EnvironmentConfiguration(environment));
    }

    private static string Text(LakebaseDoctorReport report)
    {
        var text = new System.Text.StringBuilder();
        text.AppendLine($"lakebase doctor: {(string.IsNullOrEmpty(report.Endpoint) ? "(no endpoint)" : report.Endpoint)}");
        foreach (var check in report.Checks)
        {
            var mark = check.Outcome switch
            {
                LakebaseDoctorOutcome.Passed => "ok  ",
                LakebaseDoctorOutcome.Warning => "warn",
                LakebaseDoctorOutcome.Failed => "FAIL",
                _ => "skip",
            };
            text.AppendLine($"  [{mark}] {check.Name,-10} {check.Summary}");
            if (check.Fix is { } fix && check.Outcome is LakebaseDoctorOutcome.Failed or LakebaseDoctorOutcome.Warning)
            {
                text.AppendLine($"         {string.Empty,-10} fix: {fix}");
            }
        }

        var failed = report.Checks.Count(c => c.Outcome == LakebaseDoctorOutcome.Failed);
        text.AppendLine(failed == 0 ? "Every check passed." : $"{failed} check(s) failed.");
        return text.ToString();
    }

    private static object ToJson(LakebaseDoctorReport report) => new
    {
        report.Endpoint,
        report.Passed,
        Checks = report.Checks.Select(c => new { c.Name, Outcome = c.Outcome.ToString().ToLowerInvariant(), c.Summary, c.Fix }),
    };

    /// <summary>The environment as configuration keys, so the tool reads variables exactly as an application host does.</summary>
    private sealed class EnvironmentConfiguration(Func<string, string?> environment) : IConfiguration
    {
        public string? this[string key]
        {
            get => environment(key);
            set => throw new NotSupportedException();
        }

        public IEnumerable<IConfigurationSection> GetChildren() => [];

        public IChangeToken GetReloadToken() => new CancellationChangeToken(CancellationToken.None);

        public IConfigurationSection GetSection(string key) => throw new NotSupportedException();
    }
}
