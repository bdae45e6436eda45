using Lakebase.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore;
using TodoApp.Configuration;
using TodoApp.Data;

namespace TodoApp.Database;

/// <summary>
/// Where <see cref="TodoDbContext"/> connects: an endpoint, how to authenticate to its workspace, and the connection
/// values. Built once at startup (from configuration, or from the local emulator) and then fixed.
/// </summary>
public sealed record DatabaseTarget(
    string Endpoint,
    LakebaseOAuthOptions OAuth,
    string? Host,
    int? Port,
    string? Database,
    string? Username,
    Npgsql.SslMode? SslMode,
    string ApplicationName,
    bool IsLocalEmulator)
{
    public static DatabaseTarget FromOptions(LakebaseOptions options)
    {
        LakebaseOptionsValidator.TryParseSslMode(options.SslMode, out var sslMode);
        return new DatabaseTarget(
            options.Endpoint!.Trim(),
            new LakebaseOAuthOptions
            {
                WorkspaceHost = options.WorkspaceHost,
                ClientId = NullIfEmpty(options.ClientId),
                ClientSecret = NullIfEmpty(options.ClientSecret),
                Token = NullIfEmpty(options.Token),
            },
            NullIfEmpty(options.Host),
            options.Port,
            NullIfEmpty(options.Database),
            NullIfEmpty(options.Username),
            LakebaseOptions.IsUnset(options.SslMode) ? null : sslMode,
            NullIfEmpty(options.ApplicationName) ?? "TodoApp",
            IsLocalEmulator: false);
    }

    /// <summary>The one place the app calls UseLakebase.</summary>
    public void Configure(DbContextOptionsBuilder options) =>
        options.UseLakebase(Endpoint, OAuth, lakebase =>
        {
            // Configuration already merged PG* into LakebaseOptions; reading them again here would let the process
            // environment override what the tests (or Lakebase__* settings) chose.
            lakebase.ReadEnvironment(false).ApplicationName(ApplicationName);
            if (Host is not null)
            {
                lakebase.Host(Host);
            }

            if (Port is { } port)
            {
                lakebase.Port(port);
            }

            if (Database is not null)
            {
                lakebase.Database(Database);
            }

            if (Username is not null)
            {
                lakebase.Username(Username);
            }

            if (SslMode is { } sslMode)
            {
                lakebase.SslMode(sslMode);
            }

            lakebase.Npgsql(npgsql => npgsql.MigrationsAssembly(TodoDbContext.MigrationsAssembly));
        });

    /// <summary>For logs and /health: names the target, never a secret.</summary>
    public string Describe() =>
        $"{(IsLocalEmulator ? "local Lakebase emulator" : "Databricks Lakebase")} endpoint {Endpoint} " +
        $"({Host ?? "host from the workspace API"}:{Port ?? 5432}/{Database ?? "databricks_postgres"})";

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
