using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Lakebase.Emulator.Credentials;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Lakebase.Emulator.Workspace;

/// <summary>
/// The database credential APIs (Autoscaling <c>/api/2.0/postgres/credentials</c>, Provisioned
/// <c>/api/2.0/database/credentials</c>) and the Provisioned instance lookup (endpoints: <see cref="EndpointResources"/>).
/// </summary>
internal sealed class CredentialEndpoints(LakebaseEmulator emulator, FaultGate gate, BearerAuthentication authentication, ILogger logger)
{
    private static readonly TimeSpan MinimumTtl = TimeSpan.FromSeconds(300);
    private static readonly TimeSpan MaximumTtl = TimeSpan.FromSeconds(3600);

    public async Task PostgresCredentialAsync(HttpContext context)
    {
        emulator.Counters.CredentialRequestReceived();
        if (!await gate.PassCredentialRequestAsync(context).ConfigureAwait(false)
            || await authentication.AuthenticateAsync(context).ConfigureAwait(false) is not { } principal
            || await ReadObjectAsync(context).ConfigureAwait(false) is not { } body)
        {
            return;
        }

        if (!TryGetString(body, "endpoint", out var endpoint))
        {
            await FailAsync(context, 400, "INVALID_PARAMETER_VALUE", "Field 'endpoint' is required and must be a string.").ConfigureAwait(false);
            return;
        }

        if (!await CheckEndpointAsync(context, endpoint).ConfigureAwait(false))
        {
            return;
        }

        TimeSpan? ttl = null;
        if (body["ttl"] is not null)
        {
            if (!TryGetString(body, "ttl", out var ttlText) || !TryParseDuration(ttlText, out var parsed))
            {
                await FailAsync(context, 400, "INVALID_PARAMETER_VALUE", "Field 'ttl' must be a duration in seconds such as \"3600s\".").ConfigureAwait(false);
                return;
            }

            ttl = TimeSpan.FromTicks(Math.Clamp(parsed.Ticks, MinimumTtl.Ticks, MaximumTtl.Ticks));
        }

        await AnswerAsync(context, principal, ttl, TokenAnswerShape.Autoscaling).ConfigureAwait(false);
    }

    public async Task DatabaseCredentialAsync(HttpContext context)
    {
        emulator.Counters.CredentialRequestReceived();
        if (!await gate.PassCredentialRequestAsync(context).ConfigureAwait(false)
            || await authentication.AuthenticateAsync(context).ConfigureAwait(false) is not { } principal
            || await ReadObjectAsync(context).ConfigureAwait(false) is not { } body)
        {
            return;
        }

        // The SDKs send instance_names, claims (UC table permissions) or both; at least one is required.
        var claims = body["claims"];
        if (claims is not null && (claims is not JsonArray array || array.Any(c => c is not JsonObject)))
        {
            await FailAsync(context, 400, "INVALID_PARAMETER_VALUE", "Field 'claims' must be an array of objects such as {\"permission_set\": \"READ_ONLY\", \"resources\": [...]}.").ConfigureAwait(false);
            return;
        }

        var hasNames = body["instance_names"] is not null;
        if (!hasNames && claims is not JsonArray { Count: > 0 })
        {
            await FailAsync(context, 400, "INVALID_PARAMETER_VALUE", "At least one of 'instance_names' or 'claims' must be specified.").ConfigureAwait(false);
            return;
        }

        if (hasNames && !await CheckInstanceNamesAsync(context, body["instance_names"]).ConfigureAwait(false))
        {
            return;
        }

        await AnswerAsync(context, principal, ttl: null, TokenAnswerShape.Provisioned).ConfigureAwait(false);
    }

    public async Task GetInstanceAsync(HttpContext context, string name)
    {
        if (await authentication.AuthenticateAsync(context).ConfigureAwait(false) is null)
        {
            return;
        }

        if (name != emulator.InstanceName)
        {
            await FailAsync(context, 404, "RESOURCE_DOES_NOT_EXIST", $"Database instance '{name}' does not exist.").ConfigureAwait(false);
            return;
        }

        var instance = new JsonObject
        {
            ["name"] = emulator.InstanceName,
            ["state"] = "AVAILABLE",
            ["read_write_dns"] = emulator.Host,
            ["port"] = emulator.Port,
        };
        if (emulator.HasReadReplica)
        {
            instance["read_only_dns"] = emulator.ReadOnlyHost; // readable secondaries: the hot standby
        }

        await ApiResponses.JsonAsync(context, 200, instance).ConfigureAwait(false);
    }

    private Task AnswerAsync(HttpContext context, EmulatedPrincipal principal, TimeSpan? ttl, TokenAnswerShape shape)
    {
        JsonObject Issue(TimeSpan? lifetime)
        {
            var token = Mint(principal, ttl, lifetime);
            return new JsonObject { [shape.TokenField] = token.Token, [shape.ExpiryField] = ApiResponses.Rfc3339(token.ExpiresAt) };
        }

        return emulator.Faults.TakeMalformedAnswer(MalformedAnswerTarget.CredentialApi) is { } malformed
            ? MalformedAnswerWriter.WriteAsync(context, malformed, shape, Issue)
            : ApiResponses.JsonAsync(context, 200, Issue(null));
    }

    private EmulatorDatabaseToken Mint(EmulatedPrincipal principal, TimeSpan? ttl, TimeSpan? forcedLifetime)
    {
        var token = forcedLifetime is { } lifetime
            ? emulator.MintDatabaseToken(principal, lifetime)
            : emulator.MintDatabaseTokenCore(principal, ttl);
        emulator.Counters.CredentialMinted(principal.ClientId);
        Log.CredentialMinted(logger, principal.ClientId, token.ExpiresAt);
        return token;
    }

    private async Task<bool> CheckInstanceNamesAsync(HttpContext context, JsonNode? value)
    {
        if (value is not JsonArray names || names.Count == 0
            || names.Any(n => n is not JsonValue v || v.GetValueKind() != JsonValueKind.String))
        {
            await FailAsync(context, 400, "INVALID_PARAMETER_VALUE", "Field 'instance_names' must be a non-empty array of instance names.").ConfigureAwait(false);
            return false;
        }

        foreach (var name in names.Select(n => n!.GetValue<string>()))
        {
            if (name != emulator.InstanceName)
            {
                await FailAsync(context, 404, "RESOURCE_DOES_NOT_EXIST", $"Database instance '{name}' does not exist.").ConfigureAwait(false);
                return false;
            }
        }

        return true;
    }

    private async Task<bool> CheckEndpointAsync(HttpContext context, string endpoint)
    {
        if (!EndpointNames.IsWellFormed(endpoint))
        {
            await FailAsync(context, 400, "INVALID_PARAMETER_VALUE",
                $"Invalid endpoint name '{endpoint}': expected {EndpointNames.Expected}.").ConfigureAwait(false);
            return false;
        }

        // Credentials are workspace-scoped: a token minted for one endpoint logs in on every endpoint.
        if (emulator.FindEndpoint(endpoint) is null)
        {
            await FailAsync(context, 404, "RESOURCE_DOES_NOT_EXIST", $"Endpoint '{endpoint}' does not exist.").ConfigureAwait(false);
            return false;
        }

        return true;
    }

    private async Task<JsonObject?> ReadObjectAsync(HttpContext context)
    {
        try
        {
            var node = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted).ConfigureAwait(false);
            if (node is JsonObject obj)
            {
                return obj;
            }
        }
        catch (JsonException)
        {
        }

        await FailAsync(context, 400, "INVALID_PARAMETER_VALUE", "Malformed JSON request body: expected a JSON object.").ConfigureAwait(false);
        return null;
    }

    private Task FailAsync(HttpContext context, int status, string code, string message)
    {
        Log.ApiError(logger, context.Request.Method, context.Request.Path, status, code);
        return ApiResponses.ErrorAsync(context, status, code, message);
    }

    private static bool TryGetString(JsonObject body, string name, out string value)
    {
        if (body[name] is JsonValue v && v.GetValueKind() == JsonValueKind.String)
        {
            value = v.GetValue<string>();
            return true;
        }

        value = string.Empty;
        return false;
    }

    /// <summary>Parses a protobuf-style duration: seconds with an optional fraction and an "s" suffix.</summary>
    internal static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = default;
        if (!text.EndsWith('s') || !decimal.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds)
            || seconds > 315_576_000_000m)
        {
            return false;
        }

        duration = TimeSpan.FromTicks((long)(seconds * TimeSpan.TicksPerSecond));
        return true;
    }
}
