// The TodoApp under Aspire: `dotnet run --project samples/TodoApp.AppHost`, then open the dashboard URL it prints.
var builder = DistributedApplication.CreateBuilder(args);

// The local Lakebase emulator (no container), built from this repository; outside it, drop WithEmulatorProject and
// install the tool: `dotnet tool install -g Lakebase.Emulator.Tool`.
var db = builder.AddLakebase("db")
    .WithEmulatorProject("../../src/Lakebase.Emulator.Cli");

// WithReference hands the app LAKEBASE_ENDPOINT, DATABRICKS_*, PG* and PGSSLROOTCERT: it sees a configured Lakebase,
// so it does not start its own emulator. The emulator is the developer's database: let the app migrate it.
var todoApp = builder.AddProject<Projects.TodoApp>("todoapp")
    .WithReference(db)
    .WaitFor(db)
    .WithEnvironment("Lakebase__MigrateOnStartup", "true")
    .WithHttpHealthCheck("/health");

// The app's appsettings.json pins "Urls" (127.0.0.1:5080 for a plain `dotnet run`), which would win over the
// ASPNETCORE_URLS Aspire sets: an unprefixed URLS variable wins over appsettings.json, so the app listens on the
// port Aspire's proxy forwards to, still on 127.0.0.1 only.
var http = todoApp.GetEndpoint("http");
todoApp.WithEnvironment("URLS", ReferenceExpression.Create($"http://127.0.0.1:{http.Property(EndpointProperty.TargetPort)}"));

builder.Build().Run();
