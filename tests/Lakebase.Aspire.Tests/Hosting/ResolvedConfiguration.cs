using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lakebase.Aspire.Tests.Hosting;

/// <summary>A resource's command line and environment, resolved as the AppHost resolves them before starting it.</summary>
internal static class ResolvedConfiguration
{
    public static async Task<(IReadOnlyList<string> Arguments, IReadOnlyDictionary<string, string> Environment)> ForRunAsync(
        IDistributedApplicationBuilder builder, IResource resource)
    {
        var result = await ExecutionConfigurationBuilder.Create(resource)
            .WithArgumentsConfig()
            .WithEnvironmentVariablesConfig()
            .BuildAsync(builder.ExecutionContext, NullLogger.Instance, TestContext.Current.CancellationToken);
        if (result.Exception is { } exception)
        {
            throw exception;
        }

        return ([.. result.Arguments.Select(a => a.Value)], result.EnvironmentVariables.ToDictionary(v => v.Key, v => v.Value, StringComparer.Ordinal));
    }
}
