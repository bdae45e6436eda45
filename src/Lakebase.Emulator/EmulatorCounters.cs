using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace Lakebase.Emulator;

/// <summary>What the emulator has served, for assertions such as "one credential per refresh". Thread-safe.</summary>
public sealed class EmulatorCounters
{
    private readonly ConcurrentDictionary<string, StrongBox<long>> _mintedPerPrincipal = new(StringComparer.Ordinal);
    private long _credentialRequests;
    private long _credentialsMinted;
    private long _workspaceTokensIssued;
    private long _loginsAccepted;
    private long _loginsRejected;
    private long _tooManyRequests;
    private int _liveSessions;

    /// <summary>Credential API requests received (Autoscaling and Provisioned), including failed ones.</summary>
    public long CredentialRequests => Interlocked.Read(ref _credentialRequests);

    /// <summary>Database tokens minted by the credential API.</summary>
    public long CredentialsMinted => Interlocked.Read(ref _credentialsMinted);

    /// <summary>Workspace OAuth tokens issued by <c>/oidc/v1/token</c>.</summary>
    public long WorkspaceTokensIssued => Interlocked.Read(ref _workspaceTokensIssued);

    /// <summary>PostgreSQL logins whose token was accepted.</summary>
    public long LoginsAccepted => Interlocked.Read(ref _loginsAccepted);

    /// <summary>PostgreSQL logins refused (bad, expired, revoked or foreign token; plaintext connections).</summary>
    public long LoginsRejected => Interlocked.Read(ref _loginsRejected);

    /// <summary>429 answers served by the workspace API: the credential rate limit and injected 429 failures.</summary>
    public long TooManyRequests => Interlocked.Read(ref _tooManyRequests);

    /// <summary>Sessions currently relayed to the private server (a gauge: <see cref="Reset"/> leaves it alone).</summary>
    public int LiveSessions => Volatile.Read(ref _liveSessions);

    /// <summary>Database tokens minted by the credential API for one principal.</summary>
    /// <param name="clientId">The principal's client id.</param>
    public long CredentialsMintedFor(string clientId) =>
        _mintedPerPrincipal.TryGetValue(clientId, out var box) ? Interlocked.Read(ref box.Value) : 0;

    /// <summary>Sets every counter except <see cref="LiveSessions"/> back to zero.</summary>
    public void Reset()
    {
        Interlocked.Exchange(ref _credentialRequests, 0);
        Interlocked.Exchange(ref _credentialsMinted, 0);
        Interlocked.Exchange(ref _workspaceTokensIssued, 0);
        Interlocked.Exchange(ref _loginsAccepted, 0);
        Interlocked.Exchange(ref _loginsRejected, 0);
        Interlocked.Exchange(ref _tooManyRequests, 0);
        _mintedPerPrincipal.Clear();
    }

    internal void CredentialRequestReceived() => Interlocked.Increment(ref _credentialRequests);

    internal void CredentialMinted(string clientId)
    {
        Interlocked.Increment(ref _credentialsMinted);
        Interlocked.Increment(ref _mintedPerPrincipal.GetOrAdd(clientId, static _ => new StrongBox<long>()).Value);
    }

    internal void WorkspaceTokenIssued() => Interlocked.Increment(ref _workspaceTokensIssued);

    internal void LoginAccepted() => Interlocked.Increment(ref _loginsAccepted);

    internal void LoginRejected() => Interlocked.Increment(ref _loginsRejected);

    internal void TooManyRequestsServed() => Interlocked.Increment(ref _tooManyRequests);

    internal void SessionOpened() => Interlocked.Increment(ref _liveSessions);

    internal void SessionClosed() => Interlocked.Decrement(ref _liveSessions);
}
