using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;

namespace Lakebase.Aspire.Tests.Hosting;

/// <summary>
/// A real endpoint runs nothing locally, yet an app that WaitFor(db)s it must start: the AppHost starts here (DCP, no
/// dashboard) with a process that waits on the endpoint resource, and nothing is contacted on the endpoint's behalf.
/// </summary>
public sealed class EndpointResourceStateTests
{
    [Fact]
    public async Task An_app_that_waits_for_a_real_endpoint_starts()
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(90));
        var ct = timeout.Token;

        var builder = DistributedApplicationTestingBuilder.Create(["DcpPublisher:RandomizePorts=true"], (options, _) => options.DisableDashboard = true);
        builder.Configuration["Parameters:endpoint"] = "projects/p/branches/b/endpoints/e";
        builder.Configuration["Parameters:host"] = "https://adb-1234567890123456.7.azuredatabricks.net";
        builder.Configuration["Parameters:client-id"] = "7f3c4a8e-6d3b-4c5e-9a51-2f0b9d8c1e42";
        builder.Configuration["Parameters:client-secret"] = "endpoint-state-test-secret";
        var db = builder.AddLakebaseEndpoint("db", builder.AddParameter("endpoint"), builder.AddParameter("host"), builder.AddParameter("client-id"), builder.AddParameter("client-secret", secret: true));
        builder.AddExecutable("app", "sleep", ".", "300").WithReference(db).WaitFor(db);

        await using var app = await builder.BuildAsync(ct);
        await app.StartAsync(ct);

        await app.ResourceNotifications.WaitForResourceAsync("db", KnownResourceStates.Running, ct);
        await app.ResourceNotifications.WaitForResourceAsync("app", KnownResourceStates.Running, ct);
        await app.StopAsync(ct);
    }
}
