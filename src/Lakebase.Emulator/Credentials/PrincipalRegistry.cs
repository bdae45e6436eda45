using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Lakebase.Emulator.Credentials;

/// <summary>
/// The principals the workspace knows, in registration order. With a persistent data directory they are saved
/// next to the cluster, so a later run accepts the same client ids and secrets for roles that already exist.
/// </summary>
internal sealed class PrincipalRegistry(string? persistencePath)
{
    private readonly object _gate = new();
    private readonly List<EmulatedPrincipal> _ordered = [];
    private readonly ConcurrentDictionary<string, EmulatedPrincipal> _byClientId = new(StringComparer.Ordinal);

    public IReadOnlyList<EmulatedPrincipal> All
    {
        get
        {
            lock (_gate)
            {
                return _ordered.ToArray();
            }
        }
    }

    public EmulatedPrincipal? Find(string clientId) => _byClientId.GetValueOrDefault(clientId);

    public EmulatedPrincipal? FindByPersonalAccessToken(string token)
    {
        foreach (var principal in All)
        {
            if (principal.PersonalAccessToken is { } pat && FixedTimeEquals(pat, token))
            {
                return principal;
            }
        }

        return null;
    }

    /// <summary>Adds or replaces (by client id) a principal.</summary>
    public void Register(EmulatedPrincipal principal)
    {
        lock (_gate)
        {
            var index = _ordered.FindIndex(p => p.ClientId == principal.ClientId);
            if (index >= 0)
            {
                _ordered[index] = principal;
            }
            else
            {
                _ordered.Add(principal);
            }

            _byClientId[principal.ClientId] = principal;
        }
    }

    /// <summary>
    /// Registers the principals of a start: the configured ones, then those an earlier run on the same data directory
    /// saved (configured ones win), or else one new service principal; saves them. Returns the first: the project owner.
    /// </summary>
    public EmulatedPrincipal RegisterInitial(IEnumerable<EmulatedPrincipal> configured)
    {
        foreach (var principal in configured)
        {
            Register(principal);
        }

        foreach (var principal in LoadPersisted().Where(p => Find(p.ClientId) is null))
        {
            Register(principal);
        }

        if (All.Count == 0)
        {
            Register(EmulatedPrincipal.CreateServicePrincipal());
        }

        Persist();
        return All[0];
    }

    public static bool FixedTimeEquals(string expected, string actual) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(actual));

    public IReadOnlyList<EmulatedPrincipal> LoadPersisted()
    {
        if (persistencePath is null || !File.Exists(persistencePath))
        {
            return [];
        }

        var list = new List<EmulatedPrincipal>();
        if (JsonNode.Parse(File.ReadAllText(persistencePath)) is JsonArray array)
        {
            foreach (var node in array.OfType<JsonObject>())
            {
                if (node["client_id"]?.GetValue<string>() is not { Length: > 0 } clientId)
                {
                    continue;
                }

                list.Add(new EmulatedPrincipal
                {
                    ClientId = clientId,
                    ClientSecret = node["client_secret"]?.GetValue<string>(),
                    PersonalAccessToken = node["personal_access_token"]?.GetValue<string>(),
                    WorkspaceAccess = node["workspace_access"]?.GetValue<bool>() ?? true,
                    CreateRole = node["create_role"]?.GetValue<bool>() ?? true,
                });
            }
        }

        return list;
    }

    public void Persist()
    {
        if (persistencePath is null)
        {
            return;
        }

        var array = new JsonArray();
        foreach (var p in All)
        {
            array.Add(new JsonObject
            {
                ["client_id"] = p.ClientId,
                ["client_secret"] = p.ClientSecret,
                ["personal_access_token"] = p.PersonalAccessToken,
                ["workspace_access"] = p.WorkspaceAccess,
                ["create_role"] = p.CreateRole,
            });
        }

        // Local fake credentials, but still only for the owner's eyes.
        var temp = persistencePath + ".tmp";
        File.WriteAllText(temp, array.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(temp, persistencePath, overwrite: true);
    }
}
