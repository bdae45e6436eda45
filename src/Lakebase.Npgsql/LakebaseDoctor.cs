using Lakebase.Npgsql.Doctor;

namespace Lakebase.Npgsql;

/// <summary>
/// Checks a Lakebase setup end to end from the same settings a data source reads, step by step, and says for each step
/// what it checked, whether it passed, and the fix in the words of Databricks' troubleshooting guide: the settings and
/// the authentication method chosen; the workspace and its token; a database credential; the endpoint's host; TLS
/// (chain and name, the certificate described); the login as the expected user; the role; the CONNECT and USAGE grants;
/// the compute's state. Nothing it reports contains a secret. The <c>lakebase doctor</c> command prints it.
/// </summary>
public static class LakebaseDoctor
{
    /// <summary>Runs every check once, in order, skipping those whose prerequisite failed.</summary>
    /// <param name="builder">The data source to check, as it would be built (e.g. <see cref="LakebaseDataSourceBuilder.FromOptions"/>).</param>
    /// <param name="cancellationToken">Stops the run; each network step is also bounded by the connect timeout.</param>
    /// <returns>The report; <see cref="LakebaseDoctorReport.Passed"/> is false when any step failed.</returns>
    public static Task<LakebaseDoctorReport> RunAsync(LakebaseDataSourceBuilder builder, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return new DoctorRun(builder).RunAsync(cancellationToken);
    }
}
