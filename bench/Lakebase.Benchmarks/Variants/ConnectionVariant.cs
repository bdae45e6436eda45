using Lakebase.Benchmarks.Data;
using Microsoft.EntityFrameworkCore;

namespace Lakebase.Benchmarks.Variants;

/// <summary>
/// One way of connecting, alive for one measurement. <see cref="CreateOptions"/> is called for every DbContext, as
/// <c>AddDbContext</c> (scoped options) does per request, so per-context configuration cost is part of the figures.
/// </summary>
internal abstract class ConnectionVariant : IAsyncDisposable
{
    public abstract VariantKind Kind { get; }

    public abstract DbContextOptions<BenchContext> CreateOptions();

    /// <summary>
    /// The Npgsql connection string this variant's opens use, without the password: the report compares these across
    /// variants and names any setting that differs (<see cref="Reporting.SettingsComparison"/>).
    /// </summary>
    public abstract string EffectiveConnectionString { get; }

    public abstract ValueTask DisposeAsync();
}
