namespace Lakebase.Interop.Tests;

/// <summary>One emulator for the interop tests: its default service principal, plus a user who signs in with a PAT.</summary>
public sealed class InteropEmulatorFixture : IAsyncLifetime
{
    public const string UserEmail = "developer@example.com";

    public LakebaseEmulator Emulator { get; private set; } = null!;

    public EmulatedPrincipal ServicePrincipal { get; } = EmulatedPrincipal.CreateServicePrincipal();

    public EmulatedPrincipal User { get; } = EmulatedPrincipal.CreateUser(UserEmail);

    public async ValueTask InitializeAsync() =>
        Emulator = await LakebaseEmulator.StartAsync(new LakebaseEmulatorOptions { Principals = { ServicePrincipal, User } });

    public async ValueTask DisposeAsync() => await Emulator.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class InteropCollection : ICollectionFixture<InteropEmulatorFixture>
{
    public const string Name = "interop emulator";
}
