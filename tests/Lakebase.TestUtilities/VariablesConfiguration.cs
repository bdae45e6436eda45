using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Primitives;

namespace Lakebase.TestUtilities;

/// <summary>
/// A configuration whose keys are answered by a function, so a test can give a data source its own
/// <c>PG*</c>/<c>DATABRICKS_*</c> "environment" through <c>UseConfiguration</c> without touching the process environment.
/// Only the indexer is read by the library.
/// </summary>
public sealed class VariablesConfiguration(Func<string, string?> getVariable) : IConfiguration
{
    public string? this[string key]
    {
        get => getVariable(key);
        set => throw new NotSupportedException("A test environment is read-only.");
    }

    public static VariablesConfiguration From(IReadOnlyDictionary<string, string?> values) => new(name => values.GetValueOrDefault(name));

    public IEnumerable<IConfigurationSection> GetChildren() => [];

    public IChangeToken GetReloadToken() => new CancellationChangeToken(CancellationToken.None);

    public IConfigurationSection GetSection(string key) => throw new NotSupportedException("A test environment has no sections.");
}
