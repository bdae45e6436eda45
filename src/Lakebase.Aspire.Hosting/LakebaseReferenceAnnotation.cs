using Aspire.Hosting.ApplicationModel;

namespace Lakebase.Aspire.Hosting;

/// <summary>
/// Marks an app as referencing a Lakebase resource, so that the app's environment can tell how many it references:
/// the unscoped variables (<see cref="LakebaseEnvironment"/>) can describe only one.
/// </summary>
internal sealed class LakebaseReferenceAnnotation(ILakebaseResource lakebase) : IResourceAnnotation
{
    public ILakebaseResource Lakebase { get; } = lakebase;
}
