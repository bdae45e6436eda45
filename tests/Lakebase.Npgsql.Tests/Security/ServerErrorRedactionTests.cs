using System.Security.Cryptography;
using Lakebase.Npgsql.Tests.Authentication;
using Lakebase.TestUtilities;
using Microsoft.Extensions.Logging;

namespace Lakebase.Npgsql.Tests.Security;

/// <summary>
/// A workspace's error text (<c>message</c>, <c>error_description</c>) is quoted to help the user, but it may echo what
/// was sent: a token or a secret. It reaches the exception, the logs and LastError only redacted.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class ServerErrorRedactionTests : IDisposable
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;
    private readonly string _home = AuthEmulatorFixture.TempDirectory();
    private readonly CapturingLoggerProvider _logs = new();
    private readonly ILoggerFactory _loggerFactory;

    private readonly EmulatorFixture _database;

    /// <param name="database">Only its PostgreSQL front: the credential is asked for when the server asks for the password.</param>
    public ServerErrorRedactionTests(EmulatorFixture database)
    {
        _database = database;
        _loggerFactory = LoggerFactory.Create(l => l.AddProvider(_logs).SetMinimumLevel(LogLevel.Trace));
    }

    /// <summary>One of each kind of token a server might quote back (random, so only a leak can put them in the output).</summary>
    private readonly (string Kind, string Value)[] _quoted =
    [
        ("OIDC JWT", "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJ" + Base64Url(48) + "." + Base64Url(64)),
        ("personal access token", "dapi" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16))),
        ("OAuth secret", "dose" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20))),
        ("Entra ID client secret", "xYz8Q~" + Base64Url(40)[..34].Replace('-', '.')),
    ];

    [Fact]
    public async Task A_credential_API_message_quoting_tokens_is_redacted_in_the_exception_logs_and_LastError()
    {
        await using var workspace = new LoopbackHttpServer(context => LoopbackHttpServer.JsonAsync(context,
            $$"""{"error_code": "PERMISSION_DENIED", "message": "Token {{_quoted[0].Value}} (also {{_quoted[1].Value}}, {{_quoted[2].Value}}, {{_quoted[3].Value}}) may not use endpoint projects/p/branches/b/endpoints/e."}""", 403));
        var oauth = new LakebaseOAuthOptions
        {
            WorkspaceHost = workspace.Url.ToString(),
            TokenProvider = _ => ValueTask.FromResult(new LakebaseWorkspaceToken("caller-token", DateTimeOffset.UtcNow.AddHours(1))),
        };

        var (error, lastError) = await OpenAsync(oauth, username: "app");

        Assert.Contains("Databricks said: \"Token *** (also ***, ***, ***) may not use endpoint projects/p/branches/b/endpoints/e.\"", error.Message, StringComparison.Ordinal);
        AssertNotQuoted(error.ToString(), lastError, _logs.AllText());
    }

    [Fact]
    public async Task An_OAuth_error_description_quoting_tokens_is_redacted_in_the_exception_logs_and_LastError()
    {
        await using var workspace = new LoopbackHttpServer(async context =>
        {
            if (context.Request.Url!.AbsolutePath.EndsWith("oauth-authorization-server", StringComparison.Ordinal))
            {
                var tokenEndpoint = new Uri(context.Request.Url, "/oidc/v1/token");
                await LoopbackHttpServer.JsonAsync(context, $$"""{"token_endpoint": "{{tokenEndpoint}}"}""");
                return;
            }

            await LoopbackHttpServer.JsonAsync(context,
                $$"""{"error": "invalid_client", "error_description": "Client authentication failed for {{_quoted[0].Value}} {{_quoted[1].Value}} {{_quoted[2].Value}} {{_quoted[3].Value}}"}""", 401);
        });
        var oauth = new LakebaseOAuthOptions
        {
            WorkspaceHost = workspace.Url.ToString(),
            ClientId = "6f1c3a52-9d1e-4c7b-8a3e-2b9f0d4e5a61",
            ClientSecret = "dose" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20)),
        };

        var (error, lastError) = await OpenAsync(oauth);

        Assert.Contains("Databricks said: \"Client authentication failed for *** *** *** ***\"", error.Message, StringComparison.Ordinal);
        AssertNotQuoted(error.ToString(), lastError, _logs.AllText());
        SecretAssert.DoesNotLeak(error.ToString(), ("client secret", oauth.ClientSecret));
    }

    public void Dispose()
    {
        _loggerFactory.Dispose();
        Directory.Delete(_home, recursive: true);
    }

    private async Task<(LakebaseCredentialException Error, string? LastError)> OpenAsync(LakebaseOAuthOptions oauth, string? username = null)
    {
        var builder = new LakebaseDataSourceBuilder("projects/p/branches/b/endpoints/e", oauth)
            .Host(_database.Emulator.Host).Port(_database.Emulator.Port).RootCertificate(_database.Emulator.CaCertificatePath).ReadEnvironment(false).UseLoggerFactory(_loggerFactory);
        if (username is not null)
        {
            builder.Username(username);
        }

        builder.UseConfiguration(new VariablesConfiguration(AuthEmulatorFixture.Environment(_home)));
        await using var dataSource = builder.Build();

        var thrown = await Assert.ThrowsAnyAsync<Exception>(async () => await dataSource.OpenConnectionAsync(Ct));
        var error = FindCredentialError(thrown) as LakebaseCredentialException ?? throw new Xunit.Sdk.XunitException("Expected a LakebaseCredentialException, got: " + thrown);
        return (error, dataSource.GetCredentialStatus().LastError);
    }

    private static Exception? FindCredentialError(Exception? e) =>
        e is null or LakebaseCredentialException ? e : FindCredentialError(e.InnerException);

    private void AssertNotQuoted(params string?[] texts)
    {
        foreach (var text in texts)
        {
            SecretAssert.DoesNotLeak(text, _quoted.Select(q => (q.Kind, (string?)q.Value)).ToArray());
        }
    }

    private static string Base64Url(int bytes) =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(bytes)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
