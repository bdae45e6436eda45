using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using TodoApp.Database;

namespace TodoApp.Health;

/// <summary>
/// GET /health: the Lakebase check (<c>AddHealthChecks().AddLakebase(probeDatabase: true)</c>): 200 when healthy or
/// degraded, 503 when not, with a JSON body a person can read.
/// </summary>
public static class HealthEndpoint
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static IEndpointRouteBuilder MapTodoHealth(this IEndpointRouteBuilder app)
    {
        var localEmulator = app.ServiceProvider.GetRequiredService<LocalEmulator>();
        app.MapHealthChecks("/health", new HealthCheckOptions { ResponseWriter = (context, report) => WriteAsync(context, report, localEmulator.IsRunning) });
        return app;
    }

    private static Task WriteAsync(HttpContext context, HealthReport report, bool localEmulator)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        var body = new
        {
            status = report.Status.ToString(),
            localEmulator,
            totalDurationMs = Math.Round(report.TotalDuration.TotalMilliseconds, 1),
            checks = report.Entries.ToDictionary(
                entry => entry.Key,
                entry => new { status = entry.Value.Status.ToString(), description = entry.Value.Description, data = entry.Value.Data }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body, Json));
    }
}
