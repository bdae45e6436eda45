namespace Lakebase.Emulator.Cluster;

/// <summary>
/// The SQL that makes the private server look like a Lakebase database: <c>databricks_postgres</c>, the
/// <c>databricks_create_role</c> function, and the grants the Lakebase role-setup guide gives each principal.
/// </summary>
internal sealed class ClusterSetup(PrivateCluster cluster)
{
    public const string DefaultDatabase = "databricks_postgres";

    // Same signature as Lakebase's; idempotent here so a persistent data dir can be set up again on every start.
    // (Lakebase's databricks_auth extension cannot be installed locally: its CREATE EXTENSION is the one step to skip.)
    private const string CreateRoleFunction = """
        CREATE OR REPLACE FUNCTION public.databricks_create_role(identity_name text, identity_type text)
        RETURNS text LANGUAGE plpgsql AS $fn$
        BEGIN
          IF upper(identity_type) NOT IN ('USER', 'SERVICE_PRINCIPAL', 'GROUP') THEN
            RAISE EXCEPTION 'invalid identity type "%": expected USER, SERVICE_PRINCIPAL or GROUP', identity_type
              USING ERRCODE = '22023';
          END IF;
          IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = identity_name) THEN
            IF upper(identity_type) = 'GROUP' THEN
              EXECUTE format('CREATE ROLE %I NOLOGIN', identity_name);
            ELSE
              EXECUTE format('CREATE ROLE %I LOGIN', identity_name);
            END IF;
          END IF;
          RETURN identity_name;
        END
        $fn$;
        """;

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        // Installed in template1 first so every database created later has it too.
        await using (var template = await ConnectAsync("template1", cancellationToken).ConfigureAwait(false))
        {
            await template.ExecuteAsync(CreateRoleFunction, cancellationToken).ConfigureAwait(false);
        }

        await EnsureDatabaseAsync(DefaultDatabase, cancellationToken).ConfigureAwait(false);
        await using var main = await ConnectAsync(DefaultDatabase, cancellationToken).ConfigureAwait(false);
        await main.ExecuteAsync(CreateRoleFunction, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Creates a database unless it exists. Returns whether it was created.</summary>
    public async Task<bool> EnsureDatabaseAsync(string name, CancellationToken cancellationToken)
    {
        await using var admin = await ConnectAsync("postgres", cancellationToken).ConfigureAwait(false);
        var existing = await admin.QueryAsync($"SELECT 1 FROM pg_catalog.pg_database WHERE datname = {Literal(name)}", cancellationToken).ConfigureAwait(false);
        if (existing.Count > 0)
        {
            return false;
        }

        await admin.ExecuteAsync($"CREATE DATABASE {Identifier(name)}", cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>The user databases (everything but templates and the maintenance database).</summary>
    public async Task<IReadOnlyList<string>> ListDatabasesAsync(CancellationToken cancellationToken)
    {
        await using var admin = await ConnectAsync("postgres", cancellationToken).ConfigureAwait(false);
        var rows = await admin.QueryAsync("SELECT datname FROM pg_catalog.pg_database WHERE NOT datistemplate AND datname <> 'postgres' ORDER BY datname", cancellationToken).ConfigureAwait(false);
        return rows.Select(r => r[0]!).ToList();
    }

    /// <summary>Creates the principal's role the Lakebase way and grants it what the setup guide grants.</summary>
    public async Task CreateRoleAsync(EmulatedPrincipal principal, CancellationToken cancellationToken)
    {
        await using var main = await ConnectAsync(DefaultDatabase, cancellationToken).ConfigureAwait(false);
        await main.ExecuteAsync($"SELECT public.databricks_create_role({Literal(principal.ClientId)}, {Literal(principal.RoleKind)})", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Lets <paramref name="principal"/> connect to <paramref name="database"/>, create tables in its public schema and
    /// read/write the tables that the superuser or the project owner (<paramref name="owner"/>) create there.
    /// </summary>
    public async Task GrantAsync(string database, EmulatedPrincipal principal, EmulatedPrincipal? owner, CancellationToken cancellationToken)
    {
        var role = Identifier(principal.ClientId);
        var isOwner = owner is not null && owner.ClientId == principal.ClientId;
        var sql = new List<string>
        {
            $"GRANT CONNECT ON DATABASE {Identifier(database)} TO {role}",
            $"GRANT USAGE, CREATE ON SCHEMA public TO {role}",
            $"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
            $"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {role}",
            $"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}",
            $"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {role}",
        };
        if (isOwner)
        {
            // The project owner may also create schemas (e.g. for a migrations history table).
            sql.Add($"GRANT CREATE ON DATABASE {Identifier(database)} TO {role}");
        }
        else if (owner is not null)
        {
            sql.Add($"ALTER DEFAULT PRIVILEGES FOR ROLE {Identifier(owner.ClientId)} IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}");
            sql.Add($"ALTER DEFAULT PRIVILEGES FOR ROLE {Identifier(owner.ClientId)} IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {role}");
        }

        await using var connection = await ConnectAsync(database, cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(string.Join(";\n", sql), cancellationToken).ConfigureAwait(false);
    }

    public Task<SimpleQueryClient> ConnectAsync(string database, CancellationToken cancellationToken) =>
        SimpleQueryClient.ConnectAsync(cluster.SocketPath, PrivateCluster.Superuser, database, cancellationToken);

    public static string Identifier(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    public static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
}
