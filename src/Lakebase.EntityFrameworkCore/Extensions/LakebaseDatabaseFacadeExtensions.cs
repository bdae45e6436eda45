using Lakebase.Npgsql;
using Lakebase.EntityFrameworkCore.Infrastructure.Internal;
using Microsoft.EntityFrameworkCore.Infrastructure;

// ReSharper disable once CheckNamespace
namespace Microsoft.EntityFrameworkCore;

/// <summary>Lakebase-specific extension methods for <see cref="DatabaseFacade"/>.</summary>
public static class LakebaseDatabaseFacadeExtensions
{
    /// <summary>
    /// The state of the database credential behind this context's connections (expiry, last refresh, source, last
    /// error), for health checks. Contains no secret. <see langword="null"/> if the context is not configured with
    /// <c>UseLakebase</c>.
    /// </summary>
    /// <param name="database">The context's <see cref="DbContext.Database"/>.</param>
    /// <returns>The status, or <see langword="null"/>.</returns>
    public static LakebaseCredentialStatus? GetLakebaseCredentialStatus(this DatabaseFacade database)
    {
        ArgumentNullException.ThrowIfNull(database);
        return database.GetService<IDbContextOptions>().FindExtension<LakebaseOptionsExtension>()?.DataSource.GetCredentialStatus();
    }

    /// <summary>Whether this context is configured with <c>UseLakebase</c>.</summary>
    /// <param name="database">The context's <see cref="DbContext.Database"/>.</param>
    /// <returns><see langword="true"/> when it is.</returns>
    public static bool IsLakebase(this DatabaseFacade database)
    {
        ArgumentNullException.ThrowIfNull(database);
        return database.GetService<IDbContextOptions>().FindExtension<LakebaseOptionsExtension>() is not null;
    }
}
