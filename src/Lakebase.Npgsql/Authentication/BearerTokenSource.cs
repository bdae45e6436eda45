namespace Lakebase.Npgsql.Authentication;

/// <summary>A fixed bearer token, such as a personal access token: nothing to refresh.</summary>
internal sealed class BearerTokenSource(string token) : IWorkspaceTokenSource
{
    public string Description => "bearer token";

    public ValueTask<string> GetTokenAsync(CancellationToken cancellationToken) => new(token);

    public bool Invalidate(string rejectedToken) => false;
}
