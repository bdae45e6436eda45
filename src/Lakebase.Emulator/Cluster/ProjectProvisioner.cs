using Lakebase.Emulator.Credentials;

namespace Lakebase.Emulator.Cluster;

/// <summary>
/// Keeps the private server in step with the workspace: every principal with a role has it, with the grants the
/// Lakebase role-setup guide gives, in every database. Changes run one at a time, so a database created while a role
/// is being set up never misses that role's grants.
/// </summary>
/// <param name="setup">The SQL that creates roles, databases and grants.</param>
/// <param name="principals">The workspace's principals.</param>
/// <param name="projectOwner">The default principal: tables it creates are shared with every other principal.</param>
internal sealed class ProjectProvisioner(ClusterSetup setup, PrincipalRegistry principals, EmulatedPrincipal projectOwner) : IDisposable
{
    private readonly SemaphoreSlim _lock = new(1, 1);

    private EmulatedPrincipal? Owner => projectOwner.CreateRole ? projectOwner : null;

    /// <summary>Installs the Lakebase functions and <c>databricks_postgres</c>, then the roles of every registered principal.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await setup.InitializeAsync(cancellationToken).ConfigureAwait(false);
        var databases = await setup.ListDatabasesAsync(cancellationToken).ConfigureAwait(false);
        foreach (var principal in principals.All.Where(p => p.CreateRole))
        {
            await SetUpRoleAsync(principal, databases, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Creates the principal's role and grants it every database.</summary>
    public async Task AddRoleAsync(EmulatedPrincipal principal, CancellationToken cancellationToken)
    {
        var databases = await setup.ListDatabasesAsync(cancellationToken).ConfigureAwait(false);
        await SetUpRoleAsync(principal, databases, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Creates a database (unless it exists) and grants it to every principal with a role.</summary>
    public async Task CreateDatabaseAsync(string name, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await setup.EnsureDatabaseAsync(name, cancellationToken).ConfigureAwait(false);
            foreach (var principal in principals.All.Where(p => p.CreateRole))
            {
                await setup.GrantAsync(name, principal, Owner, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _lock.Release();
        }
    }

    public void Dispose() => _lock.Dispose();

    private async Task SetUpRoleAsync(EmulatedPrincipal principal, IReadOnlyList<string> databases, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await setup.CreateRoleAsync(principal, cancellationToken).ConfigureAwait(false);
            foreach (var database in databases)
            {
                await setup.GrantAsync(database, principal, Owner, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _lock.Release();
        }
    }
}
