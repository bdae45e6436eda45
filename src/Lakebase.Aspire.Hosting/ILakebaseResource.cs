using Lakebase.Aspire.Hosting;

// ReSharper disable once CheckNamespace
namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// A Lakebase database an app can reference: the local emulator (<see cref="LakebaseEmulatorResource"/>) or a real
/// Lakebase endpoint (<see cref="LakebaseEndpointResource"/>). <c>WithReference</c> hands its settings to the app as
/// the variables named in <see cref="LakebaseEnvironment"/>.
/// </summary>
public interface ILakebaseResource : IResource
{
    /// <summary>
    /// The variables an app referencing this resource gets, each a value resolved when the app starts: text, a
    /// parameter (secrets stay parameters, shown masked) or an expression over the emulator's endpoints.
    /// </summary>
    /// <returns>Variable names (see <see cref="LakebaseEnvironment"/>) and their values.</returns>
    IReadOnlyDictionary<string, object> GetEnvironment();
}
