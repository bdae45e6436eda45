using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using TodoApp.Database;

namespace TodoApp.Health;

/// <summary>
/// GET /health: the Lakebase check (<c>AddHealthChecks().AddLakebase(probeDatabase: true)</c>): 200 when healthy or
/// degraded, 503 when not. Anyone who can reach the app can call it, so outside Development the body is only the status;
/// the details (credential state, expiry, user, last error) are for a developer's own machine, and a deployment's
/// operators find the same facts in its logs.
/// </summary>
public static class HealthEndpoint
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static IEndpointRouteBuilder MapTodoHealth(this IEndpointRouteBuilder app)
    {
        var localEmulator = app.ServiceProvider.GetRequiredService<LocalEmulator>();
        var showDetails = app.ServiceProvider.GetRequiredService<IHostEnvironment>().IsDevelopment();
        app.MapHealthChecks("/health", new HealthCheckOptions
        {
            ResponseWriter = showDetails ? (context, report) => WriteDetailsAsync(context, report, localEmulator.IsRunning) : WriteStatusAsync,
        });
        return app;
    }

    private static Task WriteStatusAsync(HttpContext context, HealthReport report) =>
        WriteAsync(context, new { status = report.Status.ToString() });

    private static Task WriteDetailsAsync(HttpContext context, HealthReport report, bool localEmulator) =>
        WriteAsync(context, new
        {
            status = report.Status.ToString(),
            localEmulator,
            totalDurationMs = Math.Round(report.TotalDuration.TotalMilliseconds, 1),
            checks = report.Entries.ToDictionary(
                entry => entry.Key,
                entry => new { status = entry.Value.Status.ToString(), description = entry.Value.Description, data = entry.Value.Data }),
        });

    private static Task WriteAsync<T>(HttpContext context, T body)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        return context.Response.WriteAsync(JsonSerializer.Serialize(body, Json));
    }
}
