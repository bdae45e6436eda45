using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Lakebase.Aspire.Hosting.Emulator;

namespace Lakebase.Aspire.Tests.Hosting;

/// <summary>
/// The emulator's endpoints are unproxied (its OAuth discovery names its own port, and clients send the secret only
/// to that authority), so the integration picks their ports when the AppHost starts.
/// </summary>
public sealed class EmulatorPortsTests
{
    [Fact]
    public void Unset_ports_get_distinct_free_loopback_ports_that_the_emulator_listens_on_itself()
    {
        var db = DistributedApplication.CreateBuilder([]).AddLakebase("db");
        var endpoints = db.Resource.Annotations.OfType<EndpointAnnotation>().ToList();
        Assert.All(endpoints, e => Assert.False(e.IsProxied));
        Assert.All(endpoints, e => Assert.Null(e.Port));

        EmulatorPorts.AssignFreePorts(db.Resource);

        Assert.All(endpoints, e => Assert.InRange(e.Port!.Value, 1, 65535));
        Assert.All(endpoints, e => Assert.Equal(e.Port, e.TargetPort));
        Assert.Equal(2, endpoints.Select(e => e.Port).Distinct().Count());
    }

    [Fact]
    public void Emulators_of_one_AppHost_never_get_a_port_another_one_was_given()
    {
        var builder = DistributedApplication.CreateBuilder([]);
        var emulators = Enumerable.Range(0, 25).Select(i => builder.AddLakebase($"db{i}").Resource).ToList();

        emulators.ForEach(EmulatorPorts.AssignFreePorts);

        var ports = emulators.SelectMany(r => r.Annotations.OfType<EndpointAnnotation>()).Select(e => e.Port).ToList();
        Assert.Equal(50, ports.Distinct().Count());
    }

    [Fact]
    public void A_port_the_AppHost_chose_is_kept()
    {
        var db = DistributedApplication.CreateBuilder([]).AddLakebase("db")
            .WithEndpoint(LakebaseEmulatorResource.PostgresEndpointName, e => e.Port = 45432);

        EmulatorPorts.AssignFreePorts(db.Resource);

        var postgres = db.Resource.Annotations.OfType<EndpointAnnotation>().Single(e => e.Name == LakebaseEmulatorResource.PostgresEndpointName);
        Assert.Equal(45432, postgres.Port);
        Assert.Equal(45432, postgres.TargetPort);
    }
}
