using Lakebase.Npgsql;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using TodoApp.Data;
using TodoApp.Database;
using TodoApp.Health;
using TodoApp.Todos;

var builder = WebApplication.CreateBuilder(args);

builder.Services.AddProblemDetails();
// Malformed JSON and the like are the client's fault: keep their 400 instead of the handler's default 500.
builder.Services.AddExceptionHandler(options =>
    options.StatusCodeSelector = exception => exception is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError);

// The Lakebase data source: the "Lakebase" section of appsettings.json, with what it leaves unset taken from
// LAKEBASE_ENDPOINT, DATABRICKS_* and PG*, validated at start. The container owns it. With no Databricks setting at
// all, in Development (or with LAKEBASE_USE_EMULATOR=true) the app starts a local Lakebase emulator and points the data
// source at it; elsewhere it stops and names the settings to set (Database/EmulatorFallback.cs).
builder.Services.AddLakebaseDataSource(configureOptions: lakebase => lakebase.Connection.ApplicationName ??= "TodoApp");
builder.Services.AddLocalEmulatorFallback();
builder.Services.AddDbContext<TodoDbContext>(options => options.UseLakebase(lakebase =>
    lakebase.Npgsql(npgsql => npgsql.MigrationsAssembly(TodoDbContext.MigrationsAssembly))));

builder.Services.AddHealthChecks().AddLakebase(probeDatabase: true, timeout: TimeSpan.FromSeconds(5));

// Traces and metrics of the credential cache and of Npgsql, printed to the console when any OTEL_* variable is set.
if (Environment.GetEnvironmentVariables().Keys.Cast<string>().Any(name => name.StartsWith("OTEL_", StringComparison.Ordinal)))
{
    builder.Services.AddOpenTelemetry()
        .WithTracing(tracing => tracing.AddLakebaseInstrumentation().AddConsoleExporter())
        .WithMetrics(metrics => metrics.AddLakebaseInstrumentation().AddConsoleExporter());
}

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseDefaultFiles();
app.UseStaticFiles();
app.MapTodoEndpoints();
app.MapTodoHealth();

string target;
try
{
    target = await app.Services.GetRequiredService<DatabaseStartup>().InitializeAsync(app.Lifetime.ApplicationStopping);
}
catch (OptionsValidationException exception)
{
    // Fail fast with the fix, not a stack trace: this is what someone deploying the app reads.
    app.Logger.LogCritical(
        "TodoApp cannot start, its Lakebase settings are not usable:{NewLine}{Problems}",
        Environment.NewLine,
        string.Join(Environment.NewLine, exception.Failures.Select(failure => " - " + failure)));
    return 1;
}
catch (DatabaseStartupException exception)
{
    app.Logger.LogCritical("TodoApp cannot start: {Problem}", exception.Message);
    return 1;
}

app.Lifetime.ApplicationStarted.Register(() => app.Logger.LogInformation(
    "TodoApp is running on the {Target} at {Addresses}", target, string.Join(", ", app.Urls.DefaultIfEmpty("(in-memory test server)"))));

await app.RunAsync();
return 0;

/// <summary>The entry point; public so that tests can host the app with WebApplicationFactory.</summary>
public partial class Program;
