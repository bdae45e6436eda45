namespace Lakebase.Npgsql.Authentication;

/// <summary>A fixed bearer token, such as a personal access token: nothing to refresh.</summary>
internal sealed class BearerTokenSource(string token, string description = "bearer token") : IWorkspaceTokenSource
{
    public string Description => description;

    public ValueTask<string> GetTokenAsync(CancellationToken cancellationToken) => new(token);

    public bool Invalidate(string rejectedToken) => false;
}
