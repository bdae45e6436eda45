using Lakebase.Npgsql.Authentication;
using Lakebase.Npgsql.Diagnostics;

namespace Lakebase.Npgsql.Connection;

/// <summary>
/// The PostgreSQL role when neither <c>Username</c> nor <c>PGUSER</c> names it, found on the first open (see
/// <see cref="SingleFlightLookup{T}"/>): a service principal's application id when the chosen method authenticates one,
/// else the <c>userName</c> the workspace reports for the token (<c>GET /api/2.0/preview/scim/v2/Me</c>), as
/// Databricks' Node driver finds the user of a personal access token or CLI login. Once per data source (one identity).
/// </summary>
internal sealed class DatabaseUserResolver(LakebaseDataSourceParts parts) : SingleFlightLookup<string>(parts)
{
    protected override string What => "find the database user";

    protected override async Task<string> LookUpCoreAsync(CancellationToken cancellationToken)
    {
        var tokens = Parts.Tokens;

        // Choosing the method needs a token first; the service principal's id then needs no call.
        await tokens.GetTokenAsync(cancellationToken).ConfigureAwait(false);
        if (tokens.Method?.ServicePrincipalId(tokens.Plan.Inputs) is { } applicationId)
        {
            LakebaseLog.DatabaseUserResolved(Parts.Logger, Parts.Endpoint.Name, applicationId, $"{tokens.Method.Name}: the service principal's application id");
            return applicationId;
        }

        var user = await CurrentUserClient.GetUserNameAsync(Parts.HttpClient, tokens.Plan.WorkspaceUrl, tokens, cancellationToken).ConfigureAwait(false);
        LakebaseLog.DatabaseUserResolved(Parts.Logger, Parts.Endpoint.Name, user, $"{tokens.Method?.Name}: SCIM Me");
        return user;
    }
}
