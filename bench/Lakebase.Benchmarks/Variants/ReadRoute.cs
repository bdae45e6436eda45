using System.Data.Common;
using Lakebase.Benchmarks.Environment;
using Lakebase.Npgsql;
using Npgsql;

namespace Lakebase.Benchmarks.Variants;

/// <summary>Scenario 6's two ways of reading (declaration order is the report's order).</summary>
internal enum ReadRoute
{
    /// <summary>(p) a plain LakebaseDataSource, no read routing: every read on the primary, as today.</summary>
    PrimaryAlone,

    /// <summary>(s) the same settings with readable secondaries on, read through <c>WithTargetSession(PreferStandby)</c>.</summary>
    PreferStandby,
}

internal static class ReadRouteExtensions
{
    public static IReadOnlyList<ReadRoute> All { get; } = [ReadRoute.PrimaryAlone, ReadRoute.PreferStandby];

    public static string Label(this ReadRoute route) => route switch
    {
        ReadRoute.PrimaryAlone => "(p) primary alone",
        _ => "(s) PreferStandby",
    };

    public static string Letter(this ReadRoute route) => route == ReadRoute.PrimaryAlone ? "p" : "s";
}

/// <summary>
/// One read route alive for one measurement: its own LakebaseDataSource (own pool, own credential), built exactly as
/// an application builds it. Both routes discover their hosts from the workspace API on first use (the primary's
/// <c>host</c>; (s) also its <c>read_only_host</c>), with the library's pool defaults and verified TLS.
/// </summary>
internal sealed class ReadRouteVariant : IAsyncDisposable
{
    private readonly LakebaseDataSource _owner;

    public ReadRouteVariant(ReadRoute route, BenchEnvironment environment, string tag)
    {
        Route = route;
        var emulator = environment.Emulator;
        var builder = new LakebaseDataSourceBuilder(emulator.EndpointName, new LakebaseOAuthOptions
        {
            WorkspaceHost = emulator.WorkspaceUrl.ToString(),
            ClientId = emulator.DefaultPrincipal.ClientId,
            ClientSecret = emulator.DefaultPrincipal.ClientSecret,
        })
            .Port(emulator.Port).Database(BenchEnvironment.DatabaseName)
            .SslMode(SslMode.VerifyFull).RootCertificate(emulator.CaCertificatePath)
            .ApplicationName(tag).ReadEnvironment(false);
        _owner = (route == ReadRoute.PreferStandby ? builder.ReadableSecondaries() : builder).Build();
        DataSource = route == ReadRoute.PreferStandby ? _owner.WithTargetSession(TargetSessionAttributes.PreferStandby) : _owner;
    }

    public ReadRoute Route { get; }

    /// <summary>What the reads go through: the data source itself for (p), its PreferStandby view for (s).</summary>
    public DbDataSource DataSource { get; }

    public ValueTask DisposeAsync() => _owner.DisposeAsync();
}
