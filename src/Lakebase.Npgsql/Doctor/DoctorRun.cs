using System.Diagnostics;
using System.Net.Sockets;
using Lakebase.Npgsql.Connection;
using Lakebase.Npgsql.Credentials;
using Npgsql;

namespace Lakebase.Npgsql.Doctor;

/// <summary>
/// One run of <see cref="LakebaseDoctor"/>: the steps in the order a connection needs them, each through the same code
/// a data source uses (resolution, the credentials chain, the credential client, the TLS check, the login with its
/// retry), so what passes here works there. A failed step skips the steps that need it.
/// </summary>
internal sealed class DoctorRun(LakebaseDataSourceBuilder builder)
{
    private readonly List<LakebaseDoctorCheck> _checks = [];

    public async Task<LakebaseDoctorReport> RunAsync(CancellationToken cancellationToken)
    {
        LakebaseDataSourceDefinition definition;
        try
        {
            definition = builder.Resolve();
        }
        catch (LakebaseConfigurationException e)
        {
            Add("settings", LakebaseDoctorOutcome.Failed, e.Message, "Fix each setting named above (the configuration key or environment variable is given with it).");
            return SkipRest("settings");
        }

        await using var dataSource = LakebaseDataSourceBuilder.BuildFrom(definition);
        var parts = dataSource.Parts;
        var plan = parts.Tokens.Plan;
        Add("settings", LakebaseDoctorOutcome.Passed,
            $"endpoint {definition.Endpoint}; workspace {definition.WorkspaceUrl.GetLeftPart(UriPartial.Authority)}; database {definition.Database} on port {definition.Port}; " +
            $"user {definition.Username ?? "(the user the workspace reports for the token)"}; authentication: " +
            (plan.Explicit ? $"{plan.Candidates[0].Name}, named by DATABRICKS_AUTH_TYPE (auth_type)"
                : plan.Candidates.Count == 1 ? $"{plan.Candidates[0].Name}, the only method configured (DATABRICKS_AUTH_TYPE unset)"
                : $"the first that works of {string.Join(", ", plan.Candidates.Select(c => c.Name))}, in the Databricks SDKs' order"));

        if (!await StepAsync("workspace", "settings", async ct =>
            {
                await parts.Tokens.GetTokenAsync(ct).ConfigureAwait(false);
                return $"reached {definition.WorkspaceUrl.GetLeftPart(UriPartial.Authority)} and obtained a workspace token with {parts.Tokens.Method?.Name ?? parts.Tokens.Description}";
            }, cancellationToken).ConfigureAwait(false))
        {
            return SkipRest("workspace");
        }

        if (!await StepAsync("credential", "workspace", async ct =>
            {
                var credential = await parts.Client.GenerateAsync(ct).ConfigureAwait(false);
                return $"a database credential was issued for {definition.Endpoint}, valid until {credential.ExpiresAt.ToUniversalTime():u}";
            }, cancellationToken).ConfigureAwait(false))
        {
            return SkipRest("credential");
        }

        EndpointDetails? details = null;
        try
        {
            details = await parts.Client.GetEndpointAsync(parts.Endpoint, cancellationToken).ConfigureAwait(false);
            Add("host", LakebaseDoctorOutcome.Passed, definition.Host is { } configured
                ? $"{configured} (configured; the workspace reports {details.Host})"
                : $"{details.Host}, looked up from the workspace API");
        }
        catch (LakebaseCredentialException e) when (definition.Host is not null)
        {
            // The host is configured, so connections do not need the lookup; the compute's state stays unknown.
            Add("host", LakebaseDoctorOutcome.Warning, $"{definition.Host} (configured); the workspace API could not describe the endpoint: {e.Message}", FixFor(e.Reason));
        }
        catch (LakebaseCredentialException e)
        {
            Add("host", LakebaseDoctorOutcome.Failed, e.Message, FixFor(e.Reason));
            return SkipRest("host");
        }

        var host = definition.Host ?? details!.Host!;
        var (tlsFailure, tlsDetail, certificate) = await TlsFailureDiagnosis.ProbeAsync(host, definition.Port, definition.Connection.RootCertificate, cancellationToken).ConfigureAwait(false);
        if (tlsFailure is { } reason)
        {
            Add("tls", LakebaseDoctorOutcome.Failed, $"refused the certificate of {host}:{definition.Port}: {tlsDetail}{(certificate is null ? string.Empty : $" ({certificate})")}; no token was sent",
                TlsFailureDiagnosis.FixFor(reason, definition.Connection.RootCertificate));
            return SkipRest("tls");
        }

        Add("tls", definition.SslMode == SslMode.VerifyFull ? LakebaseDoctorOutcome.Passed : LakebaseDoctorOutcome.Warning,
            $"{host}:{definition.Port}: {tlsDetail}; {certificate}" + (definition.SslMode == SslMode.VerifyFull ? string.Empty : $"; but connections use SslMode {definition.SslMode}, which checks less"),
            definition.SslMode == SslMode.VerifyFull ? null : "Use VerifyFull (the default): remove SslMode(...) / PGSSLMODE.");

        await LogInAsync(dataSource, definition, details, cancellationToken).ConfigureAwait(false);
        return new LakebaseDoctorReport(definition.Endpoint, _checks);
    }

    private async Task LogInAsync(LakebaseDataSource dataSource, LakebaseDataSourceDefinition definition, EndpointDetails? details, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            var woke = Stopwatch.GetElapsedTime(started);
            await using var command = new NpgsqlCommand(
                "select current_user, has_database_privilege(current_database(), 'CONNECT'), has_schema_privilege('public', 'USAGE')", connection);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var (user, canConnect, canUse) = (reader.GetString(0), reader.GetBoolean(1), reader.GetBoolean(2));
            Add("login", LakebaseDoctorOutcome.Passed, $"logged in as {user} (the expected user)");
            Add("role", LakebaseDoctorOutcome.Passed, $"the role {user} exists and accepts the OAuth credential");
            Add("grants", canConnect && canUse ? LakebaseDoctorOutcome.Passed : LakebaseDoctorOutcome.Failed,
                $"CONNECT on database {definition.Database}: {(canConnect ? "granted" : "missing")}; USAGE on schema public: {(canUse ? "granted" : "missing")}",
                canConnect && canUse ? null : $"As a database owner: GRANT CONNECT ON DATABASE {definition.Database} TO \"{user}\"; GRANT USAGE ON SCHEMA public TO \"{user}\";");
            Add("compute", LakebaseDoctorOutcome.Passed, details?.CurrentState switch
            {
                "IDLE" or "SUSPENDED" => $"the compute was suspended ({details.CurrentState}) and woke on connect: the first open took {woke.TotalMilliseconds:0} ms",
                { } state => $"{state}; the first open took {woke.TotalMilliseconds:0} ms",
                null => $"state not reported; the first open took {woke.TotalMilliseconds:0} ms",
            });
        }
        catch (LakebaseAuthenticationException e) when (e.SqlState == PostgresErrorCodes.InvalidAuthorizationSpecification)
        {
            Add("login", LakebaseDoctorOutcome.Passed, $"the server answered for {dataSource.Username}, with a fresh credential");
            Add("role", LakebaseDoctorOutcome.Failed, e.Message,
                $"Create the OAuth role with SQL (not in the UI), as a database owner: CREATE EXTENSION IF NOT EXISTS databricks_auth; SELECT databricks_create_role('{dataSource.Username}', '{LakebaseAuthenticationFailure.IdentityType(dataSource.Username)}');");
            SkipRest("role");
        }
        catch (LakebaseAuthenticationException e)
        {
            Add("login", LakebaseDoctorOutcome.Failed, e.Message,
                "PGUSER (Username) must be the service principal's client id (a UUID), or your Databricks e-mail for a personal access token, not a display name; remove the override to use the default.");
            SkipRest("login");
        }
        catch (LakebaseTlsException e)
        {
            Add("login", LakebaseDoctorOutcome.Failed, e.Message, "See the tls step.");
            SkipRest("login");
        }
        catch (Exception e) when (e is NpgsqlException { InnerException: SocketException } or SocketException)
        {
            Add("login", LakebaseDoctorOutcome.Failed, $"{definition.Host ?? details?.Host}:{definition.Port} refused the connection ({e.Message}); the compute's state is {details?.CurrentState ?? "unknown"}",
                "A suspended compute wakes on connect; one that refuses is stopped or the host/port is wrong: check the endpoint in the Lakebase UI, and Host/PGHOST and Port/PGPORT.");
            Add("compute", LakebaseDoctorOutcome.Failed, $"not accepting connections (state {details?.CurrentState ?? "unknown"})", "Start the compute in the Lakebase UI, or check that the endpoint name is the one you mean.");
        }
        catch (Exception e) when (e is LakebaseException or NpgsqlException or TimeoutException)
        {
            Add("login", LakebaseDoctorOutcome.Failed, e.Message, "Fix what the message names, then run the check again.");
            SkipRest("login");
        }
    }

    private async Task<bool> StepAsync(string name, string prerequisite, Func<CancellationToken, Task<string>> step, CancellationToken cancellationToken)
    {
        try
        {
            Add(name, LakebaseDoctorOutcome.Passed, await step(cancellationToken).ConfigureAwait(false));
            return true;
        }
        catch (LakebaseCredentialException e)
        {
            Add(name, LakebaseDoctorOutcome.Failed, e.Message, FixFor(e.Reason));
            return false;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // A token provider of the user's own, say: still a step that failed, reported like the others.
            Add(name, LakebaseDoctorOutcome.Failed, $"{e.GetType().Name}: {Diagnostics.SecretRedaction.OneLine(e.Message, 300)}", "Fix what the message names, then run the check again.");
            return false;
        }
    }

    private static string FixFor(LakebaseCredentialError reason) => reason switch
    {
        LakebaseCredentialError.InvalidClient or LakebaseCredentialError.Unauthenticated =>
            "Check DATABRICKS_CLIENT_ID (the service principal's application id, a UUID) and DATABRICKS_CLIENT_SECRET (an OAuth secret of that principal, not expired), or DATABRICKS_TOKEN.",
        LakebaseCredentialError.PermissionDenied =>
            "Enable \"Workspace access\" for the service principal (workspace settings > Identity and access > Service principals > Entitlements), and grant it use of the Lakebase project.",
        LakebaseCredentialError.EndpointNotFound =>
            $"The endpoint name must be {LakebaseEndpointName.ExpectedFormat}; copy it from the Lakebase UI or 'databricks postgres list-endpoints' (the endpoint id is not the ep-... uid in the host name), and DATABRICKS_HOST must be the workspace that owns the project.",
        LakebaseCredentialError.RateLimited or LakebaseCredentialError.Unavailable =>
            "The workspace is unavailable or throttling: retry in a minute; if it persists, check DATABRICKS_HOST, the network path and the Databricks status page.",
        _ => "Check that DATABRICKS_HOST is the workspace URL and that the settings above are the ones you mean.",
    };

    private void Add(string name, LakebaseDoctorOutcome outcome, string summary, string? fix = null) =>
        _checks.Add(new LakebaseDoctorCheck(name, outcome, summary, fix));

    private LakebaseDoctorReport SkipRest(string failed)
    {
        string[] steps = ["settings", "workspace", "credential", "host", "tls", "login", "role", "grants", "compute"];
        foreach (var step in steps.Where(s => _checks.All(c => c.Name != s)))
        {
            Add(step, LakebaseDoctorOutcome.Skipped, $"not checked: the {failed} step failed");
        }

        return new LakebaseDoctorReport(builder.Endpoint, _checks);
    }
}
