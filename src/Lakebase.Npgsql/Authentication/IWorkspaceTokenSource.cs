namespace Lakebase.Npgsql.Authentication;

/// <summary>Supplies the bearer token for workspace API calls.</summary>
internal interface IWorkspaceTokenSource
{
    /// <summary>Says how the workspace is authenticated to, for diagnostics ("service principal", ...).</summary>
    string Description { get; }

    /// <summary>A token valid for at least the next minute, from cache when possible.</summary>
    ValueTask<string> GetTokenAsync(CancellationToken cancellationToken);

    /// <summary>Forgets a token the workspace rejected, so the next call obtains a new one. Returns whether a new one can be obtained.</summary>
    bool Invalidate(string rejectedToken);
}
