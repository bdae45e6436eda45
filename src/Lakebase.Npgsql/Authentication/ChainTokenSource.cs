using System.Runtime.ExceptionServices;
using Lakebase.Npgsql.Authentication.Methods;
using Lakebase.Npgsql.Diagnostics;

namespace Lakebase.Npgsql.Authentication;

/// <summary>
/// The workspace token source of a <see cref="CredentialsPlan"/>: on first use it tries the candidate methods in order
/// and keeps the first that yields a token (as databricks-sdk-go <c>credentialsChain.Configure</c> keeps the first
/// strategy that configures), then serves only from it. Until one succeeds every call tries again from the start, so a
/// transient outage does not pin a later method. When all fail, the error lists each method and why, in order.
/// </summary>
internal sealed class ChainTokenSource(CredentialsPlan plan, AuthServices services) : IWorkspaceTokenSource
{
    private readonly SemaphoreSlim _choosing = new(1, 1);
    private volatile Chosen? _chosen;

    public string Description => _chosen is { } chosen ? chosen.Source.Description
        : plan.Candidates.Count == 1 ? plan.Candidates[0].Name
        : "unified authentication (" + string.Join(", ", plan.Candidates.Select(c => c.Name)) + ")";

    /// <summary>The method in use, once one yielded a token.</summary>
    public AuthenticationMethod? Method => _chosen?.Method;

    public CredentialsPlan Plan => plan;

    public async ValueTask<string> GetTokenAsync(CancellationToken cancellationToken)
    {
        if (_chosen is { } chosen)
        {
            return await chosen.Source.GetTokenAsync(cancellationToken).ConfigureAwait(false);
        }

        await _choosing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_chosen is { } raced)
            {
                return await raced.Source.GetTokenAsync(cancellationToken).ConfigureAwait(false);
            }

            var failures = new List<(AuthenticationMethod Method, Exception Error)>();
            foreach (var method in plan.Candidates)
            {
                var source = method.Create(plan.Inputs, services);
                try
                {
                    var token = await source.GetTokenAsync(cancellationToken).ConfigureAwait(false);
                    _chosen = new Chosen(method, source);
                    LakebaseLog.AuthMethodSelected(services.Logger, plan.WorkspaceUrl.GetLeftPart(UriPartial.Authority), method.Name);
                    return token;
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                {
                    failures.Add((method, e));
                    if (failures.Count < plan.Candidates.Count)
                    {
                        LakebaseLog.AuthMethodSkipped(services.Logger, method.Name, e.GetType().Name);
                    }
                }
            }

            if (failures.Count == 1)
            {
                ExceptionDispatchInfo.Throw(failures[0].Error);
            }

            throw AllFailed(failures);
        }
        finally
        {
            _choosing.Release();
        }
    }

    public bool Invalidate(string rejectedToken) => _chosen?.Source.Invalidate(rejectedToken) ?? true;

    private LakebaseCredentialException AllFailed(List<(AuthenticationMethod Method, Exception Error)> failures)
    {
        var reasons = failures.Select(f => f.Error as LakebaseCredentialException).ToArray();
        var transient = reasons.FirstOrDefault(r => r?.IsTransient == true);
        var reason = transient?.Reason ?? reasons.FirstOrDefault(r => r is not null)?.Reason ?? LakebaseCredentialError.Unauthenticated;
        return new LakebaseCredentialException(
            reason,
            $"No authentication method could obtain a token for the Databricks workspace {plan.WorkspaceUrl.GetLeftPart(UriPartial.Authority)}. Tried, in order: " +
            string.Join(" ", failures.Select((f, i) => $"{i + 1}. {f.Method.Name}: {f.Error.Message}")) +
            " Pick the one you meant with DATABRICKS_AUTH_TYPE and fix what it reports.",
            retryAfter: transient?.RetryAfter,
            innerException: failures[0].Error);
    }

    private sealed record Chosen(AuthenticationMethod Method, IWorkspaceTokenSource Source);
}
