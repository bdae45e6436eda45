using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Lakebase.Emulator.Workspace;

/// <summary>
/// <c>/emulator/*</c>: the faults, revocation, session and compute controls for people (and scripts) driving a
/// running emulator by hand. Local and unauthenticated by design: it only ever listens on 127.0.0.1.
/// </summary>
internal sealed class AdminEndpoints(LakebaseEmulator emulator)
{
    public Task GetCountersAsync(HttpContext context)
    {
        var c = emulator.Counters;
        var perPrincipal = new JsonObject();
        foreach (var p in emulator.Principals)
        {
            perPrincipal[p.ClientId] = c.CredentialsMintedFor(p.ClientId);
        }

        return ApiResponses.JsonAsync(context, 200, new JsonObject
        {
            ["credential_requests"] = c.CredentialRequests,
            ["credentials_minted"] = c.CredentialsMinted,
            ["credentials_minted_per_principal"] = perPrincipal,
            ["workspace_tokens_issued"] = c.WorkspaceTokensIssued,
            ["logins_accepted"] = c.LoginsAccepted,
            ["logins_rejected"] = c.LoginsRejected,
            ["too_many_requests"] = c.TooManyRequests,
            ["live_sessions"] = c.LiveSessions,
            ["suspended"] = emulator.IsSuspended,
        });
    }

    public Task ResetCountersAsync(HttpContext context)
    {
        emulator.Counters.Reset();
        return OkAsync(context);
    }

    public Task GetFaultsAsync(HttpContext context) => ApiResponses.JsonAsync(context, 200, DescribeFaults());

    /// <summary>
    /// Body fields (all optional): <c>reset</c> (bool, applied first), <c>api_latency_ms</c>, <c>fail_next_requests</c>
    /// with <c>fail_status_code</c> and <c>retry_after_seconds</c>, <c>outage</c> (bool) with <c>outage_seconds</c>,
    /// <c>token_ttl_seconds</c> (number, or null to clear), <c>credential_rate_limit_per_minute</c> with
    /// <c>credential_rate_limit_burst</c> (default 1; a null rate clears the limit), <c>malformed_answer</c> (a
    /// <see cref="MalformedAnswer"/> in snake case, or null to clear) with <c>malformed_count</c> (default 1) and
    /// <c>malformed_target</c> (<c>credential_api</c>, the default, or <c>token_endpoint</c>), <c>crash_server</c> (bool,
    /// applied last: crashes and restarts the private PostgreSQL server; answers once it accepts connections again).
    /// </summary>
    public async Task SetFaultsAsync(HttpContext context)
    {
        JsonObject body;
        try
        {
            body = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted).ConfigureAwait(false) as JsonObject
                   ?? throw new JsonException("not an object");
        }
        catch (JsonException)
        {
            await ApiResponses.ErrorAsync(context, 400, "INVALID_PARAMETER_VALUE", "Malformed JSON request body: expected a JSON object.").ConfigureAwait(false);
            return;
        }

        try
        {
            var faults = emulator.Faults;
            if (body["reset"]?.GetValue<bool>() == true)
            {
                faults.Reset();
            }

            if (body["api_latency_ms"] is { } latency)
            {
                faults.ApiLatency = TimeSpan.FromMilliseconds(latency.GetValue<double>());
            }

            if (body.ContainsKey("token_ttl_seconds"))
            {
                faults.TokenLifetimeOverride = body["token_ttl_seconds"] is { } ttl ? TimeSpan.FromSeconds(ttl.GetValue<double>()) : null;
            }

            if (body.ContainsKey("credential_rate_limit_per_minute"))
            {
                if (body["credential_rate_limit_per_minute"] is { } rate)
                {
                    faults.RateLimitCredentials(rate.GetValue<double>(), body["credential_rate_limit_burst"]?.GetValue<int>() ?? 1);
                }
                else
                {
                    faults.ClearCredentialRateLimit();
                }
            }

            if (body["fail_next_requests"] is { } count)
            {
                var retryAfter = body["retry_after_seconds"] is { } ra ? TimeSpan.FromSeconds(ra.GetValue<double>()) : (TimeSpan?)null;
                faults.FailNextApiRequests(count.GetValue<int>(), body["fail_status_code"]?.GetValue<int>() ?? 503, retryAfter);
            }

            if (body.ContainsKey("malformed_answer"))
            {
                if (body["malformed_answer"] is { } answer)
                {
                    faults.MalformNextAnswers(
                        ParseName<MalformedAnswer>("malformed_answer", answer.GetValue<string>()),
                        body["malformed_count"]?.GetValue<int>() ?? 1,
                        body["malformed_target"] is { } target ? ParseName<MalformedAnswerTarget>("malformed_target", target.GetValue<string>()) : MalformedAnswerTarget.CredentialApi);
                }
                else
                {
                    faults.MalformNextAnswers(MalformedAnswer.InvalidJson, 0);
                }
            }

            if (body["fail_next_branch_creations"] is { } branchFailures)
            {
                if (branchFailures.GetValue<int>() is > 0 and var failures)
                {
                    faults.Branches.FailNextCreations(failures, body["branch_failure_message"]?.GetValue<string>());
                }
                else
                {
                    faults.Branches.Reset();
                }
            }

            if (body["outage"] is { } outage)
            {
                if (outage.GetValue<bool>())
                {
                    faults.StartOutage(body["outage_seconds"] is { } seconds ? TimeSpan.FromSeconds(seconds.GetValue<double>()) : null);
                }
                else
                {
                    faults.EndOutage();
                }
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or ArgumentException or OverflowException)
        {
            await ApiResponses.ErrorAsync(context, 400, "INVALID_PARAMETER_VALUE", $"Invalid fault settings: {ex.Message}").ConfigureAwait(false);
            return;
        }

        bool crash;
        try
        {
            crash = body["crash_server"]?.GetValue<bool>() == true;
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException)
        {
            await ApiResponses.ErrorAsync(context, 400, "INVALID_PARAMETER_VALUE", "Invalid fault settings: 'crash_server' must be true or false.").ConfigureAwait(false);
            return;
        }

        if (crash)
        {
            await emulator.Faults.CrashServerAsync(context.RequestAborted).ConfigureAwait(false);
        }

        await ApiResponses.JsonAsync(context, 200, DescribeFaults()).ConfigureAwait(false);
    }

    public Task RevokeTokensAsync(HttpContext context)
    {
        emulator.RevokeAllTokens();
        return OkAsync(context);
    }

    public Task DropSessionsAsync(HttpContext context)
    {
        emulator.DropAllSessions();
        return OkAsync(context);
    }

    public async Task RestartAsync(HttpContext context)
    {
        await emulator.RestartComputeAsync(context.RequestAborted).ConfigureAwait(false);
        await OkAsync(context).ConfigureAwait(false);
    }

    public async Task SuspendAsync(HttpContext context)
    {
        await emulator.SuspendAsync(context.RequestAborted).ConfigureAwait(false);
        await OkAsync(context).ConfigureAwait(false);
    }

    public Task InfoAsync(HttpContext context) => ApiResponses.JsonAsync(context, 200, new JsonObject
    {
        ["endpoint_name"] = emulator.EndpointName,
        ["instance_name"] = emulator.InstanceName,
        ["host"] = emulator.Host,
        ["port"] = emulator.Port,
        ["database"] = emulator.Database,
        ["read_only_endpoint_name"] = emulator.HasReadReplica ? emulator.ReadOnlyEndpointName : null,
        ["read_only_host"] = emulator.HasReadReplica ? emulator.ReadOnlyHost : null,
        ["principals"] = new JsonArray(emulator.Principals.Select(p => (JsonNode)new JsonObject
        {
            ["client_id"] = p.ClientId,
            ["kind"] = p.RoleKind,
            ["workspace_access"] = p.WorkspaceAccess,
            ["role"] = p.CreateRole,
        }).ToArray()),
    });

    private JsonObject DescribeFaults()
    {
        var f = emulator.Faults;
        return new JsonObject
        {
            ["api_latency_ms"] = f.ApiLatency.TotalMilliseconds,
            ["token_ttl_seconds"] = f.TokenLifetimeOverride?.TotalSeconds,
            ["pending_failures"] = f.PendingFailures,
            ["outage"] = f.OutageActive,
            ["pending_branch_creation_failures"] = f.Branches.PendingCreationFailures,
            ["credential_rate_limit_per_minute"] = f.CredentialRateLimit?.RequestsPerMinute,
            ["credential_rate_limit_burst"] = f.CredentialRateLimit?.Burst,
            ["malformed_answer"] = f.PendingMalformedAnswers is { } m ? SnakeCase(m.Answer) : null,
            ["malformed_target"] = f.PendingMalformedAnswers is { } t ? SnakeCase(t.Target) : null,
            ["malformed_count"] = f.PendingMalformedAnswers?.Remaining ?? 0,
        };
    }

    /// <summary>An enum member by its snake-case name (<c>html_bad_gateway</c>), with the valid names in the error.</summary>
    private static T ParseName<T>(string field, string name)
        where T : struct, Enum =>
        Enum.GetValues<T>().FirstOrDefault(v => SnakeCase(v) == name) is var value && SnakeCase(value) == name
            ? value
            : throw new ArgumentException($"'{field}' must be one of {string.Join(", ", Enum.GetValues<T>().Select(SnakeCase))}; got '{name}'.");

    private static string SnakeCase<T>(T value)
        where T : struct, Enum => JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());

    private static Task OkAsync(HttpContext context) => ApiResponses.JsonAsync(context, 200, new JsonObject { ["ok"] = true });
}
