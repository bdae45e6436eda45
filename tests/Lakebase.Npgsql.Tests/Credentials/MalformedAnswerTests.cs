using System.Net;
using System.Text;
using Lakebase.Npgsql.Authentication;
using Lakebase.Npgsql.Configuration;
using Lakebase.Npgsql.Credentials;
using Lakebase.TestUtilities;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Lakebase.Npgsql.Http;

namespace Lakebase.Npgsql.Tests.Credentials;

/// <summary>
/// Issue 16 items 6 and 14: what the credential API, the token endpoint and SCIM Me may answer besides what they
/// should, each met with a clear error (or ignored, for a Date header that does not parse), bodies read with a cap,
/// and lifetimes bounded.
/// </summary>
public sealed class MalformedAnswerTests
{
    private static readonly DateTimeOffset LocalNow = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly string ExpireIn1h = LocalNow.AddHours(1).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ");
    private readonly CapturingLoggerProvider _logs = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("{not json", "not JSON")]
    [InlineData("""{"expire_time":"2026-01-01T13:00:00Z"}""", "no token")]
    [InlineData("""{"token":"lbdb_x"}""", "no expire_time")]
    [InlineData("""{"token":"lbdb_x","expire_time":"soon"}""", "no expire_time")]
    public async Task A_bad_credential_answer_is_an_invalid_response_that_says_what_was_wrong(string body, string problem)
    {
        var error = await Assert.ThrowsAsync<LakebaseCredentialException>(() => GenerateAsync(_ => Answer(HttpStatusCode.OK, body)));
        Assert.Equal(LakebaseCredentialError.InvalidResponse, error.Reason);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        Assert.Contains("DATABRICKS_HOST", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("lbdb_x", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_html_page_is_named_as_such_and_a_502_page_is_transient()
    {
        var ok = await Assert.ThrowsAsync<LakebaseCredentialException>(() => GenerateAsync(_ => Html(HttpStatusCode.OK)));
        Assert.Equal(LakebaseCredentialError.InvalidResponse, ok.Reason);
        Assert.Contains("an HTML page", ok.Message, StringComparison.Ordinal);

        var badGateway = await Assert.ThrowsAsync<LakebaseCredentialException>(() => GenerateAsync(_ => Html(HttpStatusCode.BadGateway)));
        Assert.True(badGateway.IsTransient);
        Assert.Contains("HTTP 502", badGateway.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("<html", badGateway.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_body_over_one_mebibyte_is_not_read_past_the_cap()
    {
        // 50 MB of valid JSON, streamed without a length: read in full today.
        var read = 0L;
        var error = await Assert.ThrowsAsync<LakebaseCredentialException>(() => GenerateAsync(_ => new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = new StreamContent(new PaddedJsonStream(50_000_000, n => read = n)),
        }));
        Assert.Equal(LakebaseCredentialError.InvalidResponse, error.Reason);
        Assert.Contains("larger than 1024 KiB", error.Message, StringComparison.Ordinal);
        Assert.InRange(read, 1, 2 * ResponseBody.MaxBytes);
    }

    [Fact]
    public async Task A_token_answer_over_the_cap_and_a_scim_answer_over_the_cap_are_refused_too()
    {
        using var http = new HttpClient(new FailureBackoffTests.Handler(_ => new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = new StreamContent(new PaddedJsonStream(5_000_000, _ => { })),
        }));
        using var request = new HttpRequestMessage(HttpMethod.Post, "https://workspace.example/oidc/v1/token");
        var token = await Assert.ThrowsAsync<LakebaseCredentialException>(() => OAuthHttp.GetTokenAsync(() => http, request, "obtain a token", "test", new FakeTimeProvider(LocalNow), Ct));
        Assert.Contains("larger than 1024 KiB", token.Message, StringComparison.Ordinal);

        var user = await Assert.ThrowsAsync<LakebaseCredentialException>(() => CurrentUserClient.GetUserNameAsync(() => http, new Uri("https://workspace.example/"), new BearerTokenSource("dapi-test"), Ct));
        Assert.Contains("larger than 1024 KiB", user.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_date_header_that_does_not_parse_is_ignored()
    {
        var credential = await GenerateAsync(_ =>
        {
            var response = Answer(HttpStatusCode.OK, $$"""{"token":"lbdb_x","expire_time":"{{ExpireIn1h}}"}""");
            response.Headers.TryAddWithoutValidation("Date", "yesterday-ish");
            return response;
        });
        Assert.Equal(LocalNow.AddHours(1), credential.ExpiresAt);
    }

    [Fact]
    public async Task A_date_header_two_days_behind_does_not_make_an_expired_credential_valid()
    {
        // Corrected by the header, the expiry was "one hour from now"; on this machine's clock it passed two days ago.
        var serverDate = LocalNow.AddDays(-2);
        var error = await Assert.ThrowsAsync<LakebaseCredentialException>(() => GenerateAsync(_ =>
        {
            var response = Answer(HttpStatusCode.OK, $$"""{"token":"lbdb_x","expire_time":"{{serverDate.AddHours(1).UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}}"}""");
            response.Headers.Date = serverDate;
            return response;
        }));
        Assert.Equal(LakebaseCredentialError.InvalidResponse, error.Reason);
        Assert.Contains("NTP", error.Message, StringComparison.Ordinal);
        Assert.Contains(_logs.Entries, e => e.EventId.Name == "ClockSkewIgnored");
    }

    [Theory]
    [InlineData(100 * 24 * 60)] // a hundred days out
    [InlineData(3 * 60)] // this machine's clock two hours behind the workspace's, and no Date header to correct by
    public async Task An_expire_time_further_out_than_a_token_lives_is_believed_for_the_hour_tokens_live(int minutes)
    {
        var credential = await GenerateAsync(_ => Answer(HttpStatusCode.OK, $$"""{"token":"lbdb_x","expire_time":"{{LocalNow.AddMinutes(minutes).UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}}"}"""));
        Assert.Equal(LocalNow.AddHours(1), credential.ExpiresAt);
    }

    [Theory]
    [InlineData("expires_in", "1000000000000000")]
    [InlineData("expires_on", "99999999999999")]
    public async Task A_huge_workspace_token_lifetime_is_believed_for_at_most_a_day(string field, string value)
    {
        using var http = new HttpClient(new FailureBackoffTests.Handler(_ => Answer(HttpStatusCode.OK, $$"""{"access_token":"eyJ-test","{{field}}":{{value}}}""")));
        using var request = new HttpRequestMessage(HttpMethod.Post, "https://workspace.example/oidc/v1/token");
        var (_, expiresAt) = await OAuthHttp.GetTokenAsync(() => http, request, "obtain a token", "test", new FakeTimeProvider(LocalNow), Ct);
        Assert.Equal(LocalNow.AddHours(24), expiresAt);
    }

    private async Task<DatabaseCredential> GenerateAsync(Func<HttpRequestMessage, HttpResponseMessage> answer)
    {
        using var factory = LoggerFactory.Create(b => b.AddProvider(_logs));
        using var http = new HttpClient(new FailureBackoffTests.Handler(answer));
        var client = new DatabaseCredentialClient(() => http, new Uri("https://workspace.example/"), new BearerTokenSource("dapi-test"),
            LakebaseEndpointName.Parse("projects/p/branches/b/endpoints/e"), new FakeTimeProvider(LocalNow), factory.CreateLogger("test"));
        return await client.GenerateAsync(Ct);
    }

    private static HttpResponseMessage Answer(HttpStatusCode status, string body) => FailureBackoffTests.Json(status, body);

    private static HttpResponseMessage Html(HttpStatusCode status) => new(status)
    {
        Content = new StringContent("<html><body><h1>502 Bad Gateway</h1></body></html>", Encoding.UTF8, "text/html"),
    };

    /// <summary><c>{"token":"t","expire_time":"…","pad":"xxxx…"}</c> of a given length, generated as it is read; reports how much was read.</summary>
    private sealed class PaddedJsonStream(long length, Action<long> onRead) : Stream
    {
        private readonly byte[] _head = Encoding.ASCII.GetBytes($$"""{"token":"lbdb_x","expire_time":"{{ExpireIn1h}}","access_token":"t","userName":"u","pad":" """.TrimEnd());
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = 0;
            while (n < count && _position < length)
            {
                buffer[offset + n++] = _position < _head.Length ? _head[_position]
                    : _position == length - 2 ? (byte)'"'
                    : _position == length - 1 ? (byte)'}'
                    : (byte)'x';
                _position++;
            }

            onRead(_position);
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
