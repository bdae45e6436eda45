using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Hosting;

namespace Lakebase.Emulator.Workspace;

/// <summary>The emulated Databricks workspace: a small Kestrel app on 127.0.0.1.</summary>
internal sealed class WorkspaceApi : IAsyncDisposable
{
    private readonly WebApplication _app;

    private WorkspaceApi(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    public Uri Url { get; }

    public static async Task<WorkspaceApi> StartAsync(LakebaseEmulator emulator, int port, TimeSpan workspaceTokenLifetime, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        // The empty builder reads no appsettings.json, environment or ASPNETCORE_URLS: the emulator owns its config.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = typeof(WorkspaceApi).Assembly.GetName().Name });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(IPAddress.Loopback, port);
        });
        builder.Services.AddRoutingCore();

        // The host's console lifetime would grab Ctrl+C and SIGTERM from the process embedding the emulator.
        builder.Services.AddSingleton<IHostLifetime, EmbeddedHostLifetime>();
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));

        var app = builder.Build();
        var logger = loggerFactory.CreateLogger("Lakebase.Emulator.Workspace");
        var gate = new FaultGate(emulator.Faults, emulator.Counters, logger);
        var oidc = new OidcTokenEndpoint(emulator.PrincipalRegistry, emulator.WorkspaceTokens, emulator.Federation, emulator.Counters, emulator.Faults, gate, workspaceTokenLifetime, logger);
        var authentication = new BearerAuthentication(emulator, logger);
        var credentials = new CredentialEndpoints(emulator, gate, authentication, logger);
        var scim = new ScimEndpoints(authentication);
        var endpoints = new EndpointResources(emulator, authentication, logger);
        var postgres = new PostgresApiRouter(endpoints, new BranchResources(emulator, authentication, logger), new BranchEndpointResources(emulator, authentication, logger));
        var branchAdmin = new BranchAdminEndpoints(emulator);
        var replicaAdmin = new ReadReplicaAdminEndpoints(emulator);
        var admin = new AdminEndpoints(emulator);

        app.Use(async (context, next) =>
        {
            // Every answer's Date header reads the emulator's clock (Kestrel's reads the machine's), so clients that
            // estimate clock skew from it see the workspace's time, fake clocks included. A Date set by a fault stays.
            context.Response.OnStarting(() =>
            {
                if (context.Response.Headers.Date.Count == 0)
                {
                    context.Response.Headers.Date = emulator.TimeProvider.GetUtcNow().ToString("R", System.Globalization.CultureInfo.InvariantCulture);
                }

                return Task.CompletedTask;
            });

            // Bad input must never take the emulator down, nor leak a stack trace.
            try
            {
                await next(context).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException && !context.Response.HasStarted)
            {
                logger.LogError(ex, "Workspace API request {Method} {Path} failed", context.Request.Method, context.Request.Path);
                await ApiResponses.ErrorAsync(context, 500, "INTERNAL_ERROR", "Internal error in the Lakebase emulator.").ConfigureAwait(false);
            }
        });

        app.Use(async (context, next) =>
        {
            if (!context.Request.Path.StartsWithSegments(AdminRequestGuard.PathPrefix) || await AdminRequestGuard.PassAsync(context).ConfigureAwait(false))
            {
                await next(context).ConfigureAwait(false);
            }
        });

        app.MapGet(OidcDiscoveryEndpoint.Path, (HttpContext c) => OidcDiscoveryEndpoint.HandleAsync(c, emulator.WorkspaceUrl));
        app.MapPost("/oidc/v1/token", oidc.HandleAsync);
        app.MapGet("/api/2.0/preview/scim/v2/Me", scim.MeAsync);
        app.MapPost("/api/2.0/postgres/credentials", credentials.PostgresCredentialAsync);
        app.MapPost("/api/2.0/database/credentials", credentials.DatabaseCredentialAsync);
        app.MapGet("/api/2.0/postgres/{**name}", postgres.GetAsync);
        app.MapPost("/api/2.0/postgres/{**name}", postgres.PostAsync);
        app.MapDelete("/api/2.0/postgres/{**name}", postgres.DeleteAsync);
        app.MapGet("/api/2.0/database/instances/{name}", (HttpContext c) => credentials.GetInstanceAsync(c, (string)c.Request.RouteValues["name"]!));

        app.MapGet("/emulator/info", admin.InfoAsync);
        app.MapGet("/emulator/counters", admin.GetCountersAsync);
        app.MapPost("/emulator/counters/reset", admin.ResetCountersAsync);
        app.MapGet("/emulator/faults", admin.GetFaultsAsync);
        app.MapPost("/emulator/faults", admin.SetFaultsAsync);
        app.MapPost("/emulator/revoke-tokens", admin.RevokeTokensAsync);
        app.MapPost("/emulator/drop-sessions", admin.DropSessionsAsync);
        app.MapPost("/emulator/restart", admin.RestartAsync);
        app.MapPost("/emulator/suspend", admin.SuspendAsync);
        replicaAdmin.Map(app);
        branchAdmin.Map(app);

        app.MapFallback((HttpContext c) => ApiResponses.ErrorAsync(c, 404, "ENDPOINT_NOT_FOUND", $"No API found for '{c.Request.Method} {c.Request.Path}'"));

        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var boundPort = new Uri(address).Port;
        return new WorkspaceApi(app, new Uri($"http://127.0.0.1:{boundPort}"));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>A host lifetime that leaves process signals to the process: the emulator is stopped by disposal.</summary>
internal sealed class EmbeddedHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
