using Lakebase.Emulator;
using Lakebase.Testing;
using Microsoft.Extensions.Logging;

namespace Lakebase.Npgsql.Tests.Integration;

/// <summary>
/// One local Lakebase emulator for the data-source integration tests; they run one at a time (one collection)
/// because revocations are emulator-wide. Connections verify the emulator's certificate against its CA.
/// </summary>
public sealed class EmulatorFixture : IAsyncLifetime
{
    public LakebaseEmulator Emulator { get; private set; } = null!;

    public CapturingLoggerProvider Logs { get; } = new();

    public ILoggerFactory LoggerFactory { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        LoggerFactory = Microsoft.Extensions.Logging.LoggerFactory.Create(b => b.AddProvider(Logs).SetMinimumLevel(LogLevel.Debug));
        Emulator = await LakebaseEmulator.StartAsync(new LakebaseEmulatorOptions(), TestContext.Current.CancellationToken);
    }

    public Task<EmulatedPrincipal> NewPrincipalAsync(bool createRole = true) =>
        Emulator.AddPrincipalAsync(EmulatedPrincipal.CreateServicePrincipal(createRole: createRole), TestContext.Current.CancellationToken);

    /// <summary>A data source for the principal, pooling off so every open is a real login.</summary>
    public LakebaseDataSource DataSourceFor(EmulatedPrincipal principal) =>
        new LakebaseDataSourceBuilder(Emulator.EndpointName, new LakebaseOAuthOptions
            {
                WorkspaceHost = Emulator.WorkspaceUrl.ToString(),
                ClientId = principal.ClientId,
                ClientSecret = principal.ClientSecret,
            })
            .Host(Emulator.Host)
            .Port(Emulator.Port)
            .RootCertificate(Emulator.CaCertificatePath)
            .ReadEnvironment(false)
            .UseLoggerFactory(LoggerFactory)
            .ConfigureDataSource(b => b.ConnectionStringBuilder.Pooling = false)
            .Build();

    public async ValueTask DisposeAsync()
    {
        await Emulator.DisposeAsync();
        LoggerFactory.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class EmulatorCollection : ICollectionFixture<EmulatorFixture>
{
    public const string Name = "Lakebase emulator";
}
