using Lakebase.Npgsql.Configuration;
using Npgsql.EntityFrameworkCore.PostgreSQL.Infrastructure;

namespace Lakebase.EntityFrameworkCore.Infrastructure.Internal;

/// <summary>What a <see cref="LakebaseDbContextOptionsBuilder"/> collected: the EF Core options, and the data source's when UseLakebase builds it.</summary>
internal sealed class LakebaseEfSettings
{
    public LakebaseSettings DataSource { get; } = new();

    public bool RetryOnFailure { get; set; } = true;

    public int? MaxRetryCount { get; set; }

    public TimeSpan? MaxRetryDelay { get; set; }

    public Action<NpgsqlDbContextOptionsBuilder>? NpgsqlOptions { get; set; }
}
