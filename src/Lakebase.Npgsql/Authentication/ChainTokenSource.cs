using Lakebase.Npgsql.Authentication.Methods;
using Lakebase.Npgsql.Diagnostics;
using Lakebase.Npgsql.Resilience;

namespace Lakebase.Npgsql.Authentication;

/// <summary>
/// The workspace token source of a <see cref="CredentialsPlan"/>. On first use it takes the first candidate method, as
/// databricks-sdk-go <c>credentialsChain.Configure</c> takes the first configured strategy, and keeps it for the life
/// of the data source: its errors are final (a transient one is retried by the caller, with the same method), so a
/// wrong <c>DATABRICKS_CLIENT_SECRET</c> is reported, never replaced by a developer's CLI login as another principal.
/// The one way on to the next candidate is the method finding it is not set up here after all
/// (<see cref="AuthMethodUnavailableException"/>), logged at Warning. Choosing is one fetch at a time
/// (<see cref="SingleFlight{T}"/>): a choice cut short by a timeout is made again by the next call.
/// </summary>
internal sealed class ChainTokenSource : IWorkspaceTokenSource
{
    // Longer than one method's own fetch deadline (CachedWorkspaceTokenSource), whose error is the more precise.
    private static readonly TimeSpan ChoosingDeadline = TimeSpan.FromSeconds(60);

    private readonly CredentialsPlan _plan;
    private readonly AuthServices _services;
    private readonly SingleFlight<string> _choosing;
    private volatile Chosen? _chosen;

    public ChainTokenSource(CredentialsPlan plan, AuthServices services)
    {
        _plan = plan;
        _services = services;
        _choosing = new SingleFlight<string>(services.TimeProvider, (deadline, e) => new LakebaseCredentialException(
            LakebaseCredentialError.Unavailable,
            $"Choosing how to authenticate to the Databricks workspace {Workspace} took longer than {deadline.TotalSeconds:0} seconds ({Description}); the next connection open tries again. " +
            "Pick the method with DATABRICKS_AUTH_TYPE, and check that it answers.",
            innerException: e));
    }

    public string Description => _chosen is { } chosen ? chosen.Source.Description
        : _plan.Candidates.Count == 1 ? _plan.Candidates[0].Name
        : "unified authentication (" + string.Join(", ", _plan.Candidates.Select(c => c.Name)) + ")";

    /// <summary>The method in use, once chosen.</summary>
    public AuthenticationMethod? Method => _chosen?.Method;

    public CredentialsPlan Plan => _plan;

    private string Workspace => _plan.WorkspaceUrl.GetLeftPart(UriPartial.Authority);

    public async ValueTask<string> GetTokenAsync(CancellationToken cancellationToken)
    {
        if (_chosen is { } chosen)
        {
            return await chosen.Source.GetTokenAsync(cancellationToken).ConfigureAwait(false);
        }

        return await _choosing.RunAsync(ChooseAsync, ChoosingDeadline).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public bool Invalidate(string rejectedToken) => _chosen?.Source.Invalidate(rejectedToken) ?? true;

    private async Task<string> ChooseAsync(CancellationToken cancellationToken)
    {
        var unavailable = new List<(AuthenticationMethod Method, Exception Error)>();
        foreach (var method in _plan.Candidates)
        {
            var source = method.Create(_plan.Inputs, _services);
            try
            {
                var token = await source.GetTokenAsync(cancellationToken).ConfigureAwait(false);
                Keep(method, source);
                return token;
            }
            catch (AuthMethodUnavailableException e)
            {
                unavailable.Add((method, e));
                LakebaseLog.AuthMethodSkipped(_services.Logger, method.Name, e.Message);
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                // Configured, and it failed: that is the answer (issue 16, item 3). The caller retries transient errors with it.
                Keep(method, source);
                throw;
            }
        }

        throw NoneAvailable(unavailable);
    }

    private void Keep(AuthenticationMethod method, IWorkspaceTokenSource source)
    {
        _chosen = new Chosen(method, source);
        LakebaseLog.AuthMethodSelected(_services.Logger, Workspace, method.Name);
    }

    private LakebaseCredentialException NoneAvailable(List<(AuthenticationMethod Method, Exception Error)> unavailable) => new(
        LakebaseCredentialError.Unauthenticated,
        $"No authentication method could obtain a token for the Databricks workspace {Workspace}. Tried, in order: " +
        string.Join(" ", unavailable.Select((f, i) => $"{i + 1}. {f.Method.Name}: {f.Error.Message}")) +
        " Pick the one you meant with DATABRICKS_AUTH_TYPE and fix what it reports.",
        innerException: unavailable.Count > 0 ? unavailable[0].Error : null);

    private sealed record Chosen(AuthenticationMethod Method, IWorkspaceTokenSource Source);
}
