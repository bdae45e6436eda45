using System.Security.Cryptography;

namespace Lakebase.Emulator;

/// <summary>
/// A workspace identity the emulator knows: a service principal (client id + secret) or a user with a personal
/// access token. Its <see cref="ClientId"/> is also its PostgreSQL role name.
/// </summary>
public sealed class EmulatedPrincipal
{
    /// <summary>The OAuth client id (a UUID for a service principal, an e-mail for a user); also the role name.</summary>
    public required string ClientId { get; init; }

    /// <summary>The OAuth client secret for <c>/oidc/v1/token</c>; <see langword="null"/> for a user.</summary>
    public string? ClientSecret { get; init; }

    /// <summary>A personal access token accepted directly as a bearer token by the workspace API.</summary>
    public string? PersonalAccessToken { get; init; }

    /// <summary><see langword="false"/>: the credential API answers 403 with the workspace-access entitlement error.</summary>
    public bool WorkspaceAccess { get; init; } = true;

    /// <summary><see langword="false"/>: no PostgreSQL role is created, so a login sees "role does not exist".</summary>
    public bool CreateRole { get; init; } = true;

    /// <summary>The kind passed to <c>databricks_create_role</c>: SERVICE_PRINCIPAL when it has a secret, else USER.</summary>
    public string RoleKind => ClientSecret is null ? "USER" : "SERVICE_PRINCIPAL";

    /// <summary>Creates a service principal with a random UUID client id and a random secret.</summary>
    /// <param name="workspaceAccess">Whether it holds the workspace-access entitlement.</param>
    /// <param name="createRole">Whether the emulator creates its PostgreSQL role.</param>
    public static EmulatedPrincipal CreateServicePrincipal(bool workspaceAccess = true, bool createRole = true) => new()
    {
        ClientId = Guid.NewGuid().ToString(),
        ClientSecret = "dose" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20)),
        WorkspaceAccess = workspaceAccess,
        CreateRole = createRole,
    };

    /// <summary>Creates a user identified by <paramref name="userName"/> (e.g. an e-mail) with a random personal access token.</summary>
    /// <param name="userName">The user name; also the PostgreSQL role name.</param>
    /// <param name="workspaceAccess">Whether it holds the workspace-access entitlement.</param>
    /// <param name="createRole">Whether the emulator creates its PostgreSQL role.</param>
    public static EmulatedPrincipal CreateUser(string userName, bool workspaceAccess = true, bool createRole = true)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userName);
        return new()
        {
            ClientId = userName,
            PersonalAccessToken = "dapi" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
            WorkspaceAccess = workspaceAccess,
            CreateRole = createRole,
        };
    }

    /// <summary>Describes the principal without any secret.</summary>
    public override string ToString() =>
        $"{RoleKind} {ClientId} (workspace access: {WorkspaceAccess}, role: {CreateRole})";
}
