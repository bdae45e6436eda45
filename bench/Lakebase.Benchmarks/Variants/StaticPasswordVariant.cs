using Lakebase.Benchmarks.Data;
using Lakebase.Benchmarks.Environment;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Lakebase.Benchmarks.Variants;

/// <summary>(a) UseNpgsql over a data source with a fixed password: a token minted once, valid for a day.</summary>
internal sealed class StaticPasswordVariant : ConnectionVariant
{
    private static readonly TimeSpan TokenLifetime = TimeSpan.FromDays(1);
    private readonly NpgsqlDataSource _dataSource;

    public StaticPasswordVariant(BenchEnvironment environment, VariantOptions options, string tag)
    {
        var builder = PoolSettings.Apply(environment.FrontConnectionString(), options, tag);
        builder.Password = environment.Emulator.MintDatabaseToken(lifetime: TokenLifetime).Token;
        _dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
    }

    public override VariantKind Kind => VariantKind.StaticPassword;

    public override DbContextOptions<BenchContext> CreateOptions() =>
        new DbContextOptionsBuilder<BenchContext>().UseNpgsql(_dataSource).Options;

    public override ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
