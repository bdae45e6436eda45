using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Lakebase.Emulator;
using Lakebase.TestUtilities;
using Npgsql;

namespace Lakebase.Npgsql.Tests.Authentication;

/// <summary>One emulator for the authentication tests, with a user (PAT) and a service principal, and helpers to log in through the plugin.</summary>
public sealed class AuthEmulatorFixture : IAsyncLifetime
{
    public LakebaseEmulator Emulator { get; private set; } = null!;

    public EmulatedPrincipal User { get; private set; } = null!;

    public EmulatedPrincipal ServicePrincipal { get; private set; } = null!;

    public TestOidcProvider Oidc { get; } = TestOidcProvider.Create("https://token.actions.githubusercontent.com");

    public string Host => Emulator.WorkspaceUrl.ToString().TrimEnd('/');

    public async ValueTask InitializeAsync()
    {
        Emulator = await LakebaseEmulator.StartAsync(new LakebaseEmulatorOptions(), TestContext.Current.CancellationToken);
        User = await Emulator.AddPrincipalAsync(EmulatedPrincipal.CreateUser("dev@example.com"), TestContext.Current.CancellationToken);
        ServicePrincipal = await Emulator.AddPrincipalAsync(EmulatedPrincipal.CreateServicePrincipal(), TestContext.Current.CancellationToken);
        Emulator.TrustOidcIssuer(Oidc.Issuer, Oidc.ExportPublicKeyPem(), Emulator.TokenEndpoint.ToString(), subject => subject == "repo:acme/app:ref:refs/heads/main" ? ServicePrincipal : null);
    }

    /// <summary>A clean environment: a HOME without a configuration file, an empty PATH, plus the given variables.</summary>
    public static Func<string, string?> Environment(string home, params (string Name, string? Value)[] variables)
    {
        var values = new Dictionary<string, string?> { ["HOME"] = home, ["PATH"] = string.Empty };
        foreach (var (name, value) in variables)
        {
            values[name] = value;
        }

        return name => values.GetValueOrDefault(name);
    }

    /// <summary>Builds a data source as <c>LakebaseDataSourceBuilder.Build()</c> does, with a test environment, opens it and reads current_user.</summary>
    public async Task<(string CurrentUser, string Username, string Source)> LogInAsync(LakebaseOAuthOptions oauth, Func<string, string?> environment, Action<LakebaseDataSourceBuilder>? configure = null)
    {
        var builder = new LakebaseDataSourceBuilder(Emulator.EndpointName, oauth)
            .Host(Emulator.Host).Port(Emulator.Port).RootCertificate(Emulator.CaCertificatePath).ReadEnvironment(false);
        configure?.Invoke(builder);
        builder.UseConfiguration(new VariablesConfiguration(environment));
        await using var dataSource = builder.Build();
        await using var connection = await dataSource.OpenConnectionAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand("select current_user", connection);
        var user = (string)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
        return (user, dataSource.Username, dataSource.GetCredentialStatus().Source);
    }

    /// <summary>Writes an executable script; <paramref name="padToCliSize"/> makes it as large as the real CLI binary (over 1 MiB).</summary>
    public static string WriteScript(string directory, string name, string body, bool padToCliSize = false)
    {
        var path = Path.Combine(directory, name);
        var text = new StringBuilder("#!/bin/bash\n").Append(body).Append('\n');
        if (padToCliSize)
        {
            text.Append("exit 0\n# ").Append('x', 1024 * 1024 + 16).Append('\n');
        }

        File.WriteAllText(path, text.ToString());
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        return path;
    }

    /// <summary>A stand-in <c>databricks</c> CLI: records its arguments and prints the JSON <c>databricks auth token</c> prints.</summary>
    public static string WriteFakeDatabricksCli(string directory, string accessToken, bool padToCliSize = false) => WriteScript(directory, "databricks", $$"""
        echo "$@" >> "{{directory}}/cli-args"
        if [ "$1 $2" != "auth token" ]; then echo "unknown command" >&2; exit 1; fi
        cat <<JSON
        {
          "access_token": "{{accessToken}}",
          "token_type": "Bearer",
          "expiry": "{{DateTimeOffset.UtcNow.AddHours(1):yyyy-MM-ddTHH:mm:ss.fffffffZ}}"
        }
        JSON
        """, padToCliSize);

    public static string TempDirectory()
    {
        var path = Path.Combine(Path.GetTempPath(), "lakebase-auth-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(path);
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        if (Emulator is not null)
        {
            await Emulator.DisposeAsync();
        }

        Oidc.Dispose();
    }
}

/// <summary>A loopback HTTP server (127.0.0.1, free port) that records every request's Authorization header; stopped on dispose.</summary>
public sealed class LoopbackHttpServer : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;

    public LoopbackHttpServer(Func<HttpListenerContext, Task> handle)
    {
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            Url = new Uri($"http://127.0.0.1:{((IPEndPoint)probe.LocalEndpoint).Port}/");
        }

        _listener.Prefixes.Add(Url.ToString());
        _listener.Start();
        _loop = Task.Run(async () =>
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }

                Requests.Enqueue($"{context.Request.HttpMethod} {context.Request.Url?.PathAndQuery} {context.Request.Headers["Authorization"]}");
                try
                {
                    await handle(context);
                }
                finally
                {
                    context.Response.Close();
                }
            }
        });
    }

    public Uri Url { get; }

    /// <summary>Method, path and query, and Authorization header of every request, in order.</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    public static async Task JsonAsync(HttpListenerContext context, string json, int status = 200)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        var bytes = Encoding.UTF8.GetBytes(json);
        await context.Response.OutputStream.WriteAsync(bytes);
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        await _loop;
        _listener.Close();
    }
}
