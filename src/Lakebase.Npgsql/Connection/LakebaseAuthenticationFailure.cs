using Lakebase.Npgsql.Diagnostics;
using Npgsql;

namespace Lakebase.Npgsql.Connection;

/// <summary>Explains a login that failed even with a fresh credential, in the terms of the Databricks troubleshooting guide.</summary>
internal static class LakebaseAuthenticationFailure
{
    public static LakebaseAuthenticationException Create(string user, string location, PostgresException error)
    {
        var roleFix =
            $"create the role with SQL, not in the UI, as a database owner: SELECT databricks_create_role('{user}', '{IdentityType(user)}'); " +
            $"then GRANT CONNECT ON DATABASE and USAGE ON SCHEMA to \"{user}\"";
        var userFix =
            "the user name must be the service principal's client id (a UUID), or your Databricks e-mail for a personal access token, " +
            "not a display name; by default UseLakebase uses the client id, so remove any Username(...) or PGUSER override";

        var likely = error.SqlState == PostgresErrorCodes.InvalidAuthorizationSpecification
            ? $"(1) the role \"{user}\" does not exist: {roleFix}; (2) {userFix}."
            : $"(1) {userFix}; (2) the role \"{user}\" does not exist or was created in the UI rather than with databricks_create_role: {roleFix}; (3) the token was issued to a different principal than \"{user}\".";

        return new LakebaseAuthenticationException(
            $"Lakebase refused the login of \"{user}\" at {location} even with a freshly generated credential " +
            $"(SQLSTATE {error.SqlState}: {error.MessageText}). Likely causes: {likely}",
            error.SqlState,
            error);
    }

    /// <summary>
    /// The identity type <c>databricks_create_role</c> takes for <paramref name="user"/>: a service principal logs in as
    /// its client id (a UUID), a user as an e-mail (personal access token or the CLI).
    /// </summary>
    public static string IdentityType(string user) => Guid.TryParse(user, out _) ? "SERVICE_PRINCIPAL" : "USER";
}
