using Lakebase.EntityFrameworkCore.Connection;
using Lakebase.EntityFrameworkCore.Credentials;
using Npgsql;

namespace Lakebase.EntityFrameworkCore.Infrastructure.Internal;

/// <summary>
/// Everything one (endpoint, identity, connection settings) combination shares across all DbContext instances: the
/// Npgsql data source (its pool), the credential cache behind its password provider, and the retry interceptor.
/// </summary>
internal sealed class LakebaseDataSource(
    NpgsqlDataSource npgsqlDataSource,
    DatabaseCredentialCache credentials,
    LakebaseAuthenticationRetryInterceptor interceptor,
    string user,
    string source,
    string description,
    IDisposable? ownedHttpClient) : IAsyncDisposable
{
    private int _disposed;
    private LakebaseOptionsExtension? _optionsExtension;

    public NpgsqlDataSource NpgsqlDataSource => npgsqlDataSource;

    public DatabaseCredentialCache Credentials => credentials;

    public LakebaseAuthenticationRetryInterceptor Interceptor => interceptor;

    /// <summary>The options extension naming this data source; immutable, so one serves every options build.</summary>
    public LakebaseOptionsExtension OptionsExtension => _optionsExtension ??= new LakebaseOptionsExtension(this);

    /// <summary>Endpoint, user and server, for EF Core's log fragment; no secrets.</summary>
    public string Description => description;

    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    public LakebaseCredentialStatus GetStatus() => credentials.GetStatus(user, source);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await npgsqlDataSource.DisposeAsync().ConfigureAwait(false);
        await credentials.DisposeAsync().ConfigureAwait(false);
        ownedHttpClient?.Dispose();
    }
}
