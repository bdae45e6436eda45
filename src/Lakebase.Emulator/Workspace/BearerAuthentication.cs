using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Lakebase.Emulator.Workspace;

/// <summary>The workspace REST APIs' authentication: a bearer workspace token or personal access token, and the workspace-access entitlement.</summary>
internal sealed class BearerAuthentication(LakebaseEmulator emulator, ILogger logger)
{
    /// <summary>Resolves the bearer token to a principal with workspace access, or writes 401/403.</summary>
    public async Task<EmulatedPrincipal?> AuthenticateAsync(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || header.Length <= "Bearer ".Length)
        {
            await FailAsync(context, 401, "UNAUTHENTICATED", "Credential was not sent or was of an unsupported type for this API.").ConfigureAwait(false);
            return null;
        }

        var principal = emulator.WorkspaceTokens.Resolve(header["Bearer ".Length..].Trim());
        if (principal is null)
        {
            await FailAsync(context, 401, "UNAUTHENTICATED", "Invalid access token.").ConfigureAwait(false);
            return null;
        }

        if (!principal.WorkspaceAccess)
        {
            await FailAsync(context, 403, "PERMISSION_DENIED",
                $"{principal.ClientId} is not authorized: API is disabled for users without workspace-access entitlement").ConfigureAwait(false);
            return null;
        }

        return principal;
    }

    private Task FailAsync(HttpContext context, int status, string code, string message)
    {
        Log.ApiError(logger, context.Request.Method, context.Request.Path, status, code);
        return ApiResponses.ErrorAsync(context, status, code, message);
    }
}
