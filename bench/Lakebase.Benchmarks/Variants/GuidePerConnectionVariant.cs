using Lakebase.Benchmarks.Data;
using Lakebase.Benchmarks.Environment;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Lakebase.Benchmarks.Variants;

/// <summary>
/// (c) The guide's pattern in .NET: Npgsql's password provider, which runs on every physical open, calls the
/// credential API each time. Pooled connections reuse their login, so the cost shows wherever new ones are opened.
/// </summary>
internal sealed class GuidePerConnectionVariant : ConnectionVariant
{
    private readonly GuideCredentialClient _credentials;
    private readonly NpgsqlDataSource _dataSource;

    public GuidePerConnectionVariant(BenchEnvironment environment, VariantOptions options, string tag)
    {
        var emulator = environment.Emulator;
        _credentials = new GuideCredentialClient(
            emulator.WorkspaceUrl, emulator.EndpointName, emulator.DefaultPrincipal.ClientId, emulator.DefaultPrincipal.ClientSecret!);
        var builder = new NpgsqlDataSourceBuilder(PoolSettings.Apply(environment.FrontConnectionString(), options, tag).ConnectionString);
        builder.UsePasswordProvider(
            _ => _credentials.GenerateDatabaseCredentialAsync(CancellationToken.None).GetAwaiter().GetResult(),
            async (_, ct) => await _credentials.GenerateDatabaseCredentialAsync(ct).ConfigureAwait(false));
        _dataSource = builder.Build();
    }

    public override VariantKind Kind => VariantKind.GuidePerConnection;

    public override DbContextOptions<BenchContext> CreateOptions() =>
        new DbContextOptionsBuilder<BenchContext>().UseNpgsql(_dataSource).Options;

    public override string EffectiveConnectionString => _dataSource.ConnectionString;

    public override async ValueTask DisposeAsync()
    {
        await _dataSource.DisposeAsync().ConfigureAwait(false);
        _credentials.Dispose();
    }
}
