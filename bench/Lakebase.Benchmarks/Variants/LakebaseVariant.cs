using Lakebase.Benchmarks.Data;
using Lakebase.Benchmarks.Environment;
using Lakebase.EntityFrameworkCore.Infrastructure;
using Lakebase.Npgsql;
using Lakebase.EntityFrameworkCore.Infrastructure.Internal;
using Lakebase.Npgsql.Configuration;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Lakebase.Benchmarks.Variants;

/// <summary>
/// (b) UseLakebase with a service principal, exactly as an application calls it. The tag goes into the application
/// name so that every measurement gets its own data source (and so its own, cold, credential cache).
/// </summary>
internal sealed class LakebaseVariant : ConnectionVariant
{
    private readonly string _endpoint;
    private readonly LakebaseOAuthOptions _oauth;
    private readonly Action<LakebaseDbContextOptionsBuilder> _configure;
    private readonly bool _optionsOnce;
    private DbContextOptions<BenchContext>? _last;

    // optionsOnce: build the options once and share them (as AddDbContextPool or a singleton options lifetime does)
    // instead of calling UseLakebase per context; isolates UseLakebase's per-call configuration cost.
    // noRetry: DisableRetryOnFailure, to attribute the retrying strategy's cost (EF Core buffers results under it).
    public LakebaseVariant(BenchEnvironment environment, VariantOptions options, string tag, bool optionsOnce = false, bool noRetry = false)
    {
        _optionsOnce = optionsOnce;
        var emulator = environment.Emulator;
        _endpoint = emulator.EndpointName;
        _oauth = new LakebaseOAuthOptions
        {
            WorkspaceHost = emulator.WorkspaceUrl.ToString(),
            ClientId = emulator.DefaultPrincipal.ClientId,
            ClientSecret = emulator.DefaultPrincipal.ClientSecret,
        };
        _configure = lakebase =>
        {
            lakebase.Host(emulator.Host).Port(emulator.Port).Database(BenchEnvironment.DatabaseName)
                .SslMode(SslMode.VerifyFull).RootCertificate(emulator.CaCertificatePath)
                .ApplicationName(tag).ReadEnvironment(false);
            if (options.RefreshBeforeExpiry is { } lead)
            {
                lakebase.RefreshBeforeExpiry(lead);
            }

            if (!options.Pooling)
            {
                lakebase.ConfigureDataSource(DisablePooling);
            }

            if (noRetry)
            {
                lakebase.DisableRetryOnFailure();
            }
        };
    }

    public override VariantKind Kind => VariantKind.UseLakebase;

    public override DbContextOptions<BenchContext> CreateOptions() =>
        _optionsOnce && _last is not null ? _last : _last = new DbContextOptionsBuilder<BenchContext>().UseLakebase(_endpoint, _oauth, _configure).Options;

    /// <summary>The data source's credential state (next refresh time, requests made), for the refresh storm.</summary>
    public LakebaseDataSource DataSource =>
        (_last ?? CreateOptions()).FindExtension<LakebaseOptionsExtension>()?.DataSource
        ?? throw new InvalidOperationException("UseLakebase did not register its options extension.");

    // Disposes this measurement's data source: its pool and, above all, its refresh timer, which would otherwise
    // keep requesting credentials (3-second tokens!) during every later measurement and skew their counts.
    public override ValueTask DisposeAsync() => _last is null ? ValueTask.CompletedTask : DataSource.DisposeAsync();

    // A static method: the data-source registry compares configure callbacks as delegates, and a capturing lambda
    // would be a new one (so a new data source) for every context.
    private static void DisablePooling(NpgsqlDataSourceBuilder builder) => builder.ConnectionStringBuilder.Pooling = false;
}
