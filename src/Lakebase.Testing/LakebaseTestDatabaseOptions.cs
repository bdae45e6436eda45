using Lakebase.Emulator;
using Lakebase.Npgsql;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Lakebase.Testing;

/// <summary>
/// Where a <see cref="LakebaseTestDatabase"/> runs and how it resets. Everything is optional: with nothing set (and no
/// <c>LAKEBASE_TEST_PARENT_BRANCH</c> in the environment) the tests run against a local emulator.
/// </summary>
public sealed class LakebaseTestDatabaseOptions
{
    /// <summary>The variable that names the parent branch of the per-run branch: <c>LAKEBASE_TEST_PARENT_BRANCH</c>.</summary>
    public const string ParentBranchVariable = "LAKEBASE_TEST_PARENT_BRANCH";

    /// <summary>
    /// The branch to copy, <c>projects/{project}/branches/{branch}</c>; when null, <see cref="ParentBranchVariable"/> is read.
    /// When neither is set, the local emulator is started instead.
    /// </summary>
    public string? ParentBranch { get; set; }

    /// <summary>How to authenticate to the workspace in branch mode; when null, <see cref="LakebaseOAuthOptions.FromEnvironment()"/> (the usual <c>DATABRICKS_*</c>).</summary>
    public LakebaseOAuthOptions? OAuth { get; set; }

    /// <summary>
    /// How long the branch lives if nobody deletes it (a crashed run, a cancelled CI job): the safety net behind
    /// <see cref="LakebaseTestDatabase.DisposeAsync"/>. Two hours by default.
    /// </summary>
    public TimeSpan BranchTimeToLive { get; set; } = TimeSpan.FromHours(2);

    /// <summary>
    /// Where <c>LAKEBASE_TEST_PARENT_BRANCH</c>, <c>PGPORT</c>, <c>PGSSLROOTCERT</c> and <c>PGDATABASE</c> are read from
    /// (and the token-exchange variables of the authentication method); null for the process environment.
    /// </summary>
    public IConfiguration? Configuration { get; set; }

    /// <summary>The branch endpoint's port; when null, <c>PGPORT</c>, else 5432. <c>PGHOST</c> is never read: the host is looked up from the branch's endpoint.</summary>
    public int? Port { get; set; }

    /// <summary>The CA certificate (PEM file) that signs the branch endpoint's certificate; when null, <c>PGSSLROOTCERT</c>, else the system's trusted roots.</summary>
    public string? RootCertificate { get; set; }

    /// <summary>The database on the endpoint; when null, <c>PGDATABASE</c>, else <c>databricks_postgres</c>.</summary>
    public string? Database { get; set; }

    /// <summary>The emulator's options when no parent branch is configured; null for the defaults.</summary>
    public LakebaseEmulatorOptions? Emulator { get; set; }

    /// <summary>Receives what was created and how long it took, and the data source's and workspace client's logs.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>The schemas <see cref="LakebaseTestDatabase.ResetAsync"/> empties: <c>public</c> by default.</summary>
    public IList<string> SchemasToReset { get; } = new List<string> { "public" };

    /// <summary>
    /// Tables <see cref="LakebaseTestDatabase.ResetAsync"/> keeps (reference data, say). <c>__EFMigrationsHistory</c>
    /// is always kept.
    /// </summary>
    public IList<string> TablesToKeep { get; } = new List<string>();

    /// <summary>
    /// The clock for everything the kit times: branch ids and durations, and in branch mode the workspace client's
    /// waits and timeouts (operation polling, the branch delete) and the credential's expiry. A fake clock must be
    /// advanced for a branch operation to make progress. Null for the system clock.
    /// </summary>
    public TimeProvider? TimeProvider { get; set; }

    /// <summary>Further settings for the data source (pool size, timeouts, an application name).</summary>
    public Action<LakebaseDataSourceBuilder>? ConfigureDataSource { get; set; }
}
