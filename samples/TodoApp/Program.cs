using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using TodoApp.Configuration;
using TodoApp.Database;
using TodoApp.Health;
using TodoApp.Todos;

var builder = WebApplication.CreateBuilder(args);

// DATABRICKS_*, LAKEBASE_ENDPOINT and PG* feed the "Lakebase" section like Lakebase__* variables do.
builder.Configuration.AddDatabricksEnvironmentVariables();

builder.Services.TryAddSingleton(TimeProvider.System);
builder.Services.AddProblemDetails();
// Malformed JSON and the like are the client's fault: keep their 400 instead of the handler's default 500.
builder.Services.AddExceptionHandler(options =>
    options.StatusCodeSelector = exception => exception is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError);
builder.Services.AddTodoDatabase(builder.Configuration);
builder.Services.AddTodoHealthChecks();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseDefaultFiles();
app.UseStaticFiles();
app.MapTodoEndpoints();
app.MapTodoHealth();

DatabaseTarget target;
try
{
    target = await app.Services.GetRequiredService<DatabaseStartup>().InitializeAsync(app.Lifetime.ApplicationStopping);
}
catch (OptionsValidationException exception)
{
    // Fail fast with the fix, not a stack trace: this is what someone deploying the app reads.
    app.Logger.LogCritical(
        "TodoApp cannot start, its Lakebase settings are incomplete:{NewLine}{Problems}",
        Environment.NewLine,
        string.Join(Environment.NewLine, exception.Failures.Select(failure => " - " + failure)));
    return 1;
}
catch (DatabaseStartupException exception)
{
    app.Logger.LogCritical("TodoApp cannot start: {Problem}", exception.Message);
    return 1;
}

app.Lifetime.ApplicationStarted.Register(() =>
{
    var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
    app.Logger.LogInformation(
        "TodoApp is running on the {Target} at {Addresses}",
        target.Describe(),
        addresses is { Count: > 0 } ? string.Join(", ", addresses) : "(in-memory test server)");
});

await app.RunAsync();
return 0;

/// <summary>The entry point; public so that tests can host the app with WebApplicationFactory.</summary>
public partial class Program;
