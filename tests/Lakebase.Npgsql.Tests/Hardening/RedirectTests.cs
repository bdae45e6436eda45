using System.Net;
using Lakebase.Npgsql;
using Lakebase.TestUtilities;

namespace Lakebase.Npgsql.Tests.Hardening;

/// <summary>
/// A workspace (or anything between it and us) answering with a redirect must not make the client carry a request,
/// and with it a token, to another host: redirects are never followed.
/// </summary>
public sealed class RedirectTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(HttpStatusCode.TemporaryRedirect)]
    [InlineData(HttpStatusCode.Found)]
    public async Task A_redirect_from_the_workspace_is_an_error_and_nothing_reaches_the_other_host(HttpStatusCode status)
    {
        await using var otherHost = new RecordingHttpServer(_ => (HttpStatusCode.OK, "{}"));
        await using var workspace = new RecordingHttpServer(request => (status, string.Empty), location: otherHost.Url + "steal");

        var oauth = new LakebaseOAuthOptions { WorkspaceHost = workspace.Url, ClientId = "6f1b1a6e-0000-4000-8000-000000000001", ClientSecret = "not-a-real-secret" };
        await using var dataSource = new LakebaseDataSourceBuilder("projects/p/branches/b/endpoints/ep-1", oauth)
            .ConnectTimeout(TimeSpan.FromSeconds(5))
            .UseConfiguration(VariablesConfiguration.From(new Dictionary<string, string?>()))
            .ReadEnvironment(false)
            .Build();

        var error = await Assert.ThrowsAnyAsync<LakebaseException>(async () => await dataSource.OpenConnectionAsync(Ct));
        Assert.True(workspace.Requests > 0);
        Assert.Equal(0, otherHost.Requests);
        Assert.DoesNotContain("not-a-real-secret", error.ToString(), StringComparison.Ordinal);
    }

    /// <summary>A loopback HTTP server answering every request the same way, counting them.</summary>
    private sealed class RecordingHttpServer : IAsyncDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Task _serving;
        private int _requests;

        public RecordingHttpServer(Func<HttpListenerRequest, (HttpStatusCode Status, string Body)> answer, string? location = null)
        {
            // HttpListener cannot take port 0: find a free port, then bind it.
            using var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            Url = $"http://127.0.0.1:{port}/";
            _listener.Prefixes.Add(Url);
            _listener.Start();
            _serving = Task.Run(async () =>
            {
                while (_listener.IsListening)
                {
                    HttpListenerContext context;
                    try
                    {
                        context = await _listener.GetContextAsync();
                    }
                    catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
                    {
                        return;
                    }

                    Interlocked.Increment(ref _requests);
                    var (status, body) = answer(context.Request);
                    context.Response.StatusCode = (int)status;
                    if (location is not null)
                    {
                        context.Response.RedirectLocation = location;
                    }

                    var bytes = System.Text.Encoding.UTF8.GetBytes(body);
                    context.Response.ContentType = "application/json";
                    await context.Response.OutputStream.WriteAsync(bytes);
                    context.Response.Close();
                }
            });
        }

        public string Url { get; }

        public int Requests => Volatile.Read(ref _requests);

        public async ValueTask DisposeAsync()
        {
            _listener.Stop();
            _listener.Close();
            await _serving.WaitAsync(TimeSpan.FromSeconds(5));
        }
    }
}
