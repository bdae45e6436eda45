using Microsoft.Extensions.Logging;

namespace Lakebase.EntityFrameworkCore.Diagnostics;

/// <summary>
/// The EF Core integration's own log events, under the same category as the data source's, with ids from 100 so they
/// never collide with <c>Lakebase.Npgsql</c>'s.
/// </summary>
internal static partial class LakebaseEntityFrameworkLog
{
    /// <summary>The category shared with Lakebase.Npgsql, so one filter shows every Lakebase event.</summary>
    public const string Category = "Lakebase";

    [LoggerMessage(100, LogLevel.Warning, "UseLakebase(endpoint, oauth) built a second data source for {Target} that differs from an existing one only in its delegates or services ({Difference}). A lambda that captures per-request values (a service provider, a scope) builds a new pool and credential each time. Register the data source once with services.AddLakebaseDataSource(...) and call UseLakebase() instead.", EventName = "DataSourcePerCall")]
    public static partial void DataSourcePerCall(ILogger logger, string target, string difference);

    [LoggerMessage(101, LogLevel.Debug, "The Lakebase data source for {Target} was not used for {IdleFor}: its pooled connections were closed, so the compute can suspend. The next use connects again.", EventName = "DataSourceEvicted")]
    public static partial void DataSourceEvicted(ILogger logger, string target, TimeSpan idleFor);

    [LoggerMessage(102, LogLevel.Warning, "More than {Count} Lakebase data sources are alive in this process. Each holds its own connection pool and credential; this usually means UseLakebase receives different settings or a new token delegate on every call. Create LakebaseOAuthOptions once and reuse it.", EventName = "ManyDataSourcesCreated")]
    public static partial void ManyDataSourcesCreated(ILogger logger, int count);
}
