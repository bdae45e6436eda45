using Lakebase.Benchmarks.Data;
using Lakebase.Emulator;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Lakebase.Benchmarks.Environment;

/// <summary>
/// The in-process Lakebase emulator every variant talks to (same TLS front, same private PostgreSQL), with the
/// credential-API latency injected, and a seeded database for the CRUD workload.
/// </summary>
internal sealed class BenchEnvironment : IAsyncDisposable
{
    public const string DatabaseName = "lakebase_bench";

    private static readonly TimeSpan StandbyCatchUpLimit = TimeSpan.FromSeconds(60);

    private BenchEnvironment(LakebaseEmulator emulator, TimeSpan apiLatency)
    {
        Emulator = emulator;
        ApiLatency = apiLatency;
    }

    public LakebaseEmulator Emulator { get; }

    public TimeSpan ApiLatency { get; }

    /// <param name="apiLatency">Latency injected into every workspace API call.</param>
    /// <param name="ct">Cancels the start.</param>
    /// <param name="readReplica">
    /// Adds the emulator's read replica, a real hot standby streaming from the primary (scenario 6 only: every other
    /// scenario runs without one, so no standby replays their writes on the same cores).
    /// </param>
    public static async Task<BenchEnvironment> StartAsync(TimeSpan apiLatency, CancellationToken ct, bool readReplica = false)
    {
        var emulator = await LakebaseEmulator.StartAsync(new LakebaseEmulatorOptions { ReadReplica = readReplica }, ct).ConfigureAwait(false);
        try
        {
            await emulator.CreateDatabaseAsync(DatabaseName, ct).ConfigureAwait(false);
            var environment = new BenchEnvironment(emulator, apiLatency);
            await environment.SeedAsync(ct).ConfigureAwait(false);
            if (readReplica)
            {
                await environment.WaitForStandbyAsync(ct).ConfigureAwait(false);
            }

            environment.ResetFaults();
            return environment;
        }
        catch
        {
            await emulator.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The injected latency, and no lifetime override: the state every scenario starts from.</summary>
    public void ResetFaults()
    {
        Emulator.Faults.Reset();
        Emulator.Faults.ApiLatency = ApiLatency;
    }

    /// <summary>
    /// A connection string to the TLS front as the default principal, without a password, with verified TLS: the
    /// server's chain must lead to the emulator's CA and its name must match, as every variant connects (issue 9).
    /// </summary>
    public NpgsqlConnectionStringBuilder FrontConnectionString() => new(Emulator.GetConnectionString(database: DatabaseName))
    {
        SslMode = SslMode.VerifyFull,
        RootCertificate = Emulator.CaCertificatePath,
    };

    public ValueTask DisposeAsync() => Emulator.DisposeAsync();

    // Replication is asynchronous: reads measured on the standby must find the seeded rows there, not an empty table.
    private async Task WaitForStandbyAsync(CancellationToken ct)
    {
        var builder = new NpgsqlConnectionStringBuilder(Emulator.GetReadOnlyConnectionString(database: DatabaseName))
        {
            Password = Emulator.MintDatabaseToken(lifetime: TimeSpan.FromHours(1)).Token,
        };
        await using var dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(StandbyCatchUpLimit);
        try
        {
            while (true)
            {
                try
                {
                    await using var command = dataSource.CreateCommand("SELECT count(*) FROM items");
                    if ((long)(await command.ExecuteScalarAsync(deadline.Token).ConfigureAwait(false))! >= CrudWorkload.SeededRows)
                    {
                        return;
                    }
                }
                catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
                {
                    // The CREATE TABLE has not been replayed yet.
                }

                await Task.Delay(TimeSpan.FromMilliseconds(50), deadline.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"The emulator's read replica did not replay the {CrudWorkload.SeededRows:N0} seeded rows within {StandbyCatchUpLimit.TotalSeconds:0} s.");
        }
    }

    // Through the front as the principal (it owns the database's public schema), so the table belongs to the role the variants log in as.
    private async Task SeedAsync(CancellationToken ct)
    {
        var builder = FrontConnectionString();
        builder.Password = Emulator.MintDatabaseToken(lifetime: TimeSpan.FromHours(1)).Token;
        await using var dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
        var options = new DbContextOptionsBuilder<BenchContext>().UseNpgsql(dataSource).Options;
        await using var db = new BenchContext(options);
        await db.Database.EnsureCreatedAsync(ct).ConfigureAwait(false);
        await db.Database.ExecuteSqlRawAsync(
            $"INSERT INTO items (name, quantity, updated_at) SELECT 'item ' || g, g, now() FROM generate_series(1, {CrudWorkload.SeededRows}) g; ANALYZE items;",
            ct).ConfigureAwait(false);
    }
}
